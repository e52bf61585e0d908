/** How a plan is shown; the command decides colour from the TTY and flags. */
export interface RenderOptions {
  color: boolean;
  showUnchanged: boolean;
  showSkipped: boolean;
}
