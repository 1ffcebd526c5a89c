/** A command-line flag: `--name`, `--name VALUE`, `--name=VALUE`, `-s VALUE`. */
export interface FlagDefinition<Name extends string = string> {
  /** The long name without dashes (`platform`). */
  name: Name;
  /** A one-letter alias without the dash (`u`). */
  short?: string;
  /** `boolean` flags take no value; `string` flags take exactly one. */
  type: "boolean" | "string";
  /** A `string` flag that may be given more than once (values collect into an array). */
  multiple?: boolean;
  /** The placeholder in help texts (`P`, `FILE`). */
  valueName?: string;
  description: string;
}
