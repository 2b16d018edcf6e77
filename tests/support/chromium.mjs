// Headless Chromium for the browser tests, the ecosystem suite and the bench: Debian's
// (or $CHROMIUM), driven by playwright-core.
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Quiet, and without the sandbox (containers). Headless is the caller's: `--headless`, or `--headless=new` for extensions. */
export const CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Launches it headless. */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", ...CHROMIUM_FLAGS] });
}
