/** Waiting for Ctrl-C, SIGTERM or a duration. */
import process from "node:process";

/** Resolves on SIGINT/SIGTERM (or after `seconds`, when given). */
export function untilStopped(seconds?: number): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      clearTimeout(timer);
      resolve(why);
    };
    const onInt = () => done("SIGINT");
    const onTerm = () => done("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    const timer = seconds === undefined ? undefined : setTimeout(() => done("duration"), seconds * 1000);
  });
}
