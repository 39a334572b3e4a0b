package dev.qstate.compat;

/** A subclass of {@link Stats}: Flink's PojoSerializer tags it with its class name. */
public class SpecialStats extends Stats {
    public int level;

    public SpecialStats() {}
}
