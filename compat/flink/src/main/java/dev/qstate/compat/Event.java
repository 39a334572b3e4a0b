package dev.qstate.compat;

/** One input record of the compatibility job (a Flink POJO). */
public class Event {
    public String user;
    public long id;
    public String category;
    public long value;
    public long ts;
    /** True for the records the source emits after the input, only to stay alive. */
    public boolean tick;

    public Event() {}

    Event(String user, long id, String category, long value, long ts) {
        this.user = user;
        this.id = id;
        this.category = category;
        this.value = value;
        this.ts = ts;
    }
}
