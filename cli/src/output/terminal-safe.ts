/**
 * Control characters in a value (ESC, BEL, backspace, C1 codes) would be obeyed by the terminal
 * showing it: a customer named "\e[2J" clears the operator's screen, and an escape sequence can
 * retitle the window or fake output. Every value shopctl prints for people passes through here and
 * shows each such character as a visible symbol instead: C0 codes as Unicode's control pictures
 * (ESC → ␛, NUL → ␀), DEL as ␡, C1 codes as `\x9b`. `--json` output is never touched.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const visible = (character: string): string => {
  const code = character.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `\\x${code.toString(16)}`;
};

export const terminalSafe = (text: string): string => text.replace(CONTROL, visible);

/** The same, line by line, for a message of several lines of our own (an error and its next step). */
export const terminalSafeLines = (text: string): string => text.split('\n').map(terminalSafe).join('\n');
