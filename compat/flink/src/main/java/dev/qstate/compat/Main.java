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
        switch (args[0]) {
            case "cluster" -> ClusterRole.run(Args.parse(rest));
            case "client" -> ClientRole.run(Args.parse(rest));
            case "vectors" -> VectorsRole.run(Args.parse(rest));
            default -> {
                System.err.println("unknown role " + args[0] + " (cluster, client, vectors)");
                System.exit(2);
            }
        }
    }
}
