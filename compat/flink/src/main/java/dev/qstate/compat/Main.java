package dev.qstate.compat;

import java.util.Arrays;

/** Entry point of the Flink peer: {@code cluster}, {@code client} or {@code vectors}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: Main cluster|client|vectors [options]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            dispatch(args[0], rest);
            System.out.flush();
            System.exit(0);
        } catch (Throwable t) {
            // A MiniCluster's threads would keep a failed JVM alive: end it now.
            t.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }
    }

    private static void dispatch(String role, String[] rest) throws Exception {
        switch (role) {
            case "cluster" -> ClusterRole.run(Args.parse(rest));
            case "client" -> ClientRole.run(Args.parse(rest));
            case "vectors" -> VectorsRole.run(Args.parse(rest));
            case "bench" -> BenchRole.run(Args.parse(rest));
            default -> {
                System.err.println("unknown role " + role + " (cluster, client, vectors)");
                System.exit(2);
            }
        }
    }
}
