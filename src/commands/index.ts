/** The chat command grammar: `parseCommand` turns `/pim …` text into a typed `Command`. */
export { parseCommand, MAX_COMMAND_LENGTH } from './parse.js';
export { describeForbiddenCharacter, findForbiddenCharacter } from './characters.js';
export type { ForbiddenCharacter } from './characters.js';
export type { ParseError, ParseOptions, ParseResult } from './parse.js';
export { CommandSchema, COMMAND_NAMES, ReviewersSchema, UserRefSchema } from './schema.js';
export type { Command, CommandName, Reviewers } from './schema.js';
export { USAGE, helpEntries, helpText, commandHelp } from './help.js';
export type { HelpEntry } from './help.js';
export { tokenize, stripPrefix } from './tokenize.js';
export type { Token, WordToken, FlagToken } from './tokenize.js';
export type { UserRef } from './values.js';
