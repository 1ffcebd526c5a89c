/** Core's rule, exported here too for earlier users of remote. */
export { isReferrersTag } from "@stevedore/core";
