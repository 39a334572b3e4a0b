package dev.qstate.compat;

/** Ends the JVM when the parent goes away: standard input closes, or the parent process is gone. */
final class Parent {
    private Parent() {}

    static void exitWithParent() {
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // keep reading until the pipe closes
                }
            } catch (Exception ignored) {
                // treat a broken pipe like end of input
            }
            Runtime.getRuntime().halt(0);
        }, "parent-stdin-watch");
        stdin.setDaemon(true);
        stdin.start();
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        if (parent != null) {
            Thread poll = new Thread(() -> {
                while (true) {
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (!parent.isAlive()) Runtime.getRuntime().halt(0);
                }
            }, "parent-pid-watch");
            poll.setDaemon(true);
            poll.start();
        }
    }
}
