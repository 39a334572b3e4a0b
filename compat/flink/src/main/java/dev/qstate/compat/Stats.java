package dev.qstate.compat;

import java.util.Objects;

/** A Flink POJO (public no-arg constructor, public fields) for the types vectors and the types job. */
public class Stats {
    public long count;
    public String name;
    public Double avg;

    public Stats() {}

    public Stats(long count, String name, Double avg) {
        this.count = count;
        this.name = name;
        this.avg = avg;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Stats s && s.count == count && Objects.equals(s.name, name) && Objects.equals(s.avg, avg);
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, name, avg);
    }
}
