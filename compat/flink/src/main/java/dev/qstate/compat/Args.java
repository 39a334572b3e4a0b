package dev.qstate.compat;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} pairs. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    static Args parse(String[] args) {
        Args a = new Args();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            a.values.put(args[i].substring(2), args[++i]);
        }
        return a;
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    String require(String name) {
        String v = values.get(name);
        if (v == null) throw new IllegalArgumentException("missing --" + name);
        return v;
    }
}
