package dev.qstate.compat;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Classes Flink hands to Kryo, for the kryo vectors and the compat job: user classes that are not POJOs (no
 * no-arg constructor), so Flink's KryoSerializer writes them with Kryo's FieldSerializer, and POJOs whose fields
 * Flink types as GenericType (Kryo) on 1.x, 2.x or both.
 */
final class KryoTypes {
    private KryoTypes() {}

    /** A non-final user class (its class name travels in the bytes where a field declares it). */
    public static class Address {
        public String street;
        public int zip;

        public Address(String street, int zip) {
            this.street = street;
            this.zip = zip;
        }
    }

    /** A final user class: a field declaring it carries no class name. */
    public static final class Point {
        public int x;
        public int y;

        public Point(int x, int y) {
            this.x = x;
            this.y = y;
        }
    }

    /**
     * A user class with a field of each kind: primitives, boxed, String, collections with type arguments, java.time,
     * UUID, BigDecimal, user classes (final and not), an enum, Object, arrays; a transient field Kryo skips.
     */
    public static class Event {
        public long id;
        public int count;
        public double score;
        public float ratio;
        public boolean flag;
        public char grade;
        public short small;
        public byte tiny;
        public String name;
        public Integer boxed;
        public Long total;
        public List<String> tags;
        public Map<String, Long> counts;
        public Set<Integer> ids;
        public LocalDateTime when;
        public UUID uuid;
        public BigDecimal amount;
        public Address home;
        public Point at;
        public Color color;
        public Object any;
        public int[] values;
        public String[] labels;
        public List<Address> stops;
        private transient String cache = "not serialized";

        public Event(long id) {
            this.id = id;
        }

        String cache() {
            return cache;
        }
    }

    /** A subclass: Kryo's FieldSerializer writes the fields of the whole hierarchy, sorted by name. */
    public static class Special extends Event {
        public String extra;
        public int level;

        public Special(long id) {
            super(id);
        }
    }

    /** A class whose name is longer than 63 characters (Kryo 2.24 then writes the name in its UTF-8 form). */
    public static class LongNamedClassForTheKryoClassNameLengthRule {
        public int n;

        public LongNamedClassForTheKryoClassNameLengthRule(int n) {
            this.n = n;
        }
    }

    /**
     * A POJO whose fields Flink types as GenericType (Kryo) on both 1.x and 2.x: implementation classes of
     * collections, java.time, UUID, Object and a user class that is not a POJO.
     */
    public static class KryoPojo {
        public ArrayList<String> items;
        public HashMap<String, Long> scores;
        public LinkedList<Integer> queue;
        public TreeMap<String, Integer> sorted;
        public LocalDateTime when;
        public UUID id;
        public Object any;
        public Event event;
        public String plain;

        public KryoPojo() {}
    }

    /** A POJO whose interface-typed collection fields are GenericType (Kryo) on Flink 1.x only (2.x: Nullable*). */
    public static class InterfacePojo {
        public List<String> tags;
        public Map<String, Long> counts;
        public Set<String> labels;

        public InterfacePojo() {}
    }

    /**
     * A user class (no no-arg constructor: Kryo's FieldSerializer) with the JDK values of issue 19's follow-up:
     * java.time amounts and zoned values, zone ids, Optionals, enum sets and maps, a list of enums.
     */
    public static class Timed {
        public java.time.Duration took;
        public java.time.Period period;
        public java.time.ZonedDateTime at;
        public java.time.OffsetDateTime seen;
        public java.time.ZoneId zone;
        public java.time.ZoneOffset shift;
        public java.util.Optional<String> note;
        public java.util.OptionalInt rank;
        public java.util.EnumSet<Color> colors;
        public java.util.EnumMap<Color, Integer> weights;
        public List<Color> palette;
        public java.time.YearMonth month;

        public Timed(java.time.Duration took) {
            this.took = took;
        }
    }

    /** A POJO whose JDK-valued fields (java.time, ZoneId, Optional, EnumSet, EnumMap) Flink types as GenericType (Kryo). */
    public static class TimePojo {
        public java.time.Duration duration;
        public java.time.ZonedDateTime zoned;
        public java.time.OffsetDateTime offset;
        public java.time.ZoneId zone;
        public java.util.Optional<String> maybe;
        public java.util.EnumSet<Color> colors;
        public java.util.EnumMap<Color, Integer> weights;
        public String plain;

        public TimePojo() {}
    }

    /** A record (on Flink 2.x, Kryo 5's RecordSerializer; on 1.x, Kryo 2.24's FieldSerializer, as a final class). */
    public record Rec(int n, String name, List<String> tags, Color color, Object any) {}
}
