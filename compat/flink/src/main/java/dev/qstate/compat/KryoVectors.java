package dev.qstate.compat;

import static dev.qstate.compat.VectorsJson.array;
import static dev.qstate.compat.VectorsJson.hex;
import static dev.qstate.compat.VectorsJson.object;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.runtime.util.EnvironmentInformation;

/**
 * Category {@code kryo}: values Flink hands to Kryo, serialized by Flink's own {@code KryoSerializer} (made from
 * {@code GenericTypeInfo} as a job makes it: the declared class is registered first, with Flink's default
 * registrations before it) and, for POJO fields typed GenericType, by Flink's {@code PojoSerializer}. Each entry: a type
 * expression of ours ({@code kryo1} on Flink 1.x, {@code kryo} on 2.x), the bytes, the value as JSON in our conventions
 * ({@link JsonRender}: sets as arrays, UUIDs as text), for top-level values the Java class ({@code javaClass}), and
 * {@code flinkReadError} when Flink's own serializer cannot read its bytes back (then {@code json} is the value written).
 * Error entries: bytes our reader must refuse, with the error code and a text the message must include.
 */
final class KryoVectors {
    private KryoVectors() {}

    private static final String PKG = "dev.qstate.compat.";
    private static final String ADDRESS = PKG + "KryoTypes$Address{street:String,zip:int}";
    private static final String POINT = "final " + PKG + "KryoTypes$Point{x:int,y:int}";
    private static final String COLOR = "enum " + PKG + "Color{RED,GREEN,BLUE}";
    private static final String EVENT_FIELDS = "id:long,count:int,score:double,ratio:float,flag:boolean,grade:char,"
            + "small:short,tiny:byte,name:String,boxed:Integer,total:Long,tags:List<String>,counts:Map<String,Long>,"
            + "ids:Set<Integer>,when:LocalDateTime,uuid:UUID,amount:BigDecimal,home:" + ADDRESS + ",at:" + POINT
            + ",color:" + COLOR + ",any:Object,values:int[],labels:String[],stops:List<" + PKG + "KryoTypes$Address>";
    private static final String EVENT = PKG + "KryoTypes$Event{" + EVENT_FIELDS + "}";
    private static final String SPECIAL = PKG + "KryoTypes$Special{extra:String,level:int," + EVENT_FIELDS + "}";

    /** Classes whose Java hashCode() is value-based: their values can be keys, and the entry carries the hash. */
    private static final Set<Class<?>> HASHED = Set.of(String.class, Integer.class, Long.class, Short.class, Byte.class,
            Boolean.class, Double.class, Float.class, Character.class, UUID.class, LocalDate.class, LocalTime.class,
            LocalDateTime.class, Instant.class, BigDecimal.class, BigInteger.class, Date.class, java.sql.Date.class,
            Timestamp.class, java.time.Duration.class, java.time.Period.class, java.time.ZonedDateTime.class,
            java.time.OffsetDateTime.class, java.time.OffsetTime.class, java.time.ZoneOffset.class, zoneRegion(),
            java.time.Year.class, java.time.YearMonth.class, java.time.MonthDay.class, java.util.Optional.class,
            java.util.OptionalInt.class, java.util.OptionalLong.class, java.util.OptionalDouble.class);

    private static boolean hashed(Object value) {
        if (value instanceof java.util.Optional<?> o) return o.isEmpty() || hashed(o.get());
        return value != null && HASHED.contains(value.getClass());
    }

    /** The JDK's (package-private) class of a zone id such as Europe/Paris. */
    private static Class<?> zoneRegion() {
        return java.time.ZoneId.of("Europe/Paris").getClass();
    }

    private final ArrayNode out = array();
    private final String kryo = EnvironmentInformation.getVersion().startsWith("1.") ? "kryo1" : "kryo";

    static ArrayNode kryo() throws Exception {
        KryoVectors v = new KryoVectors();
        v.all();
        return v.out;
    }

    /** A value through the KryoSerializer of GenericTypeInfo(declared). */
    private void top(String description, Class<?> declared, String expressionArgs, Object value) throws Exception {
        TypeSerializer<Object> s = TypeVectors.serializer(new GenericTypeInfo<>(declared));
        add(description, kryo + expressionArgs, s, value, true);
    }

    private void top(String description, Object value) throws Exception {
        top(description, Object.class, "", value);
    }

    private void add(String description, String expression, TypeSerializer<Object> s, Object value, boolean topLevel)
            throws Exception {
        byte[] b = TypeVectors.bytes(s, value);
        ObjectNode e = object().put("description", description).put("expression", expression)
                .put("serializer", s.getClass().getSimpleName()).put("bytes", hex(b));
        e.set("json", JsonRender.render(value));
        if (topLevel && value != null) e.put("javaClass", value.getClass().getName());
        if (topLevel && hashed(value)) e.put("hashCode", value.hashCode());
        try {
            DataInputDeserializer in = new DataInputDeserializer(b);
            Object back = s.deserialize(in);
            if (in.available() > 0) e.put("bytesLeft", in.available());
            com.fasterxml.jackson.databind.JsonNode read = JsonRender.render(back);
            // A value whose toString() is null (Flink 1.x's restored ZoneOffset) renders as no node at all.
            if (read == null) read = com.fasterxml.jackson.databind.node.NullNode.getInstance();
            if (!read.equals(e.get("json"))) {
                if (java.util.Objects.equals(value, back)) {
                    // Equal in Java, printed differently: Flink 1.x restores a ZoneOffset without its (transient) id,
                    // so it prints "null". The bytes hold the whole value: expect the value written.
                    e.put("flinkReadsBackAs", read.isTextual() ? read.asText() : read.toString());
                } else {
                    // A serializer that drops part of the value (Kryo 5 keeps no Locale script): the bytes hold what
                    // Flink reads back, so that is the value to expect; the value written is kept beside it.
                    e.set("jsonWritten", e.get("json"));
                    e.set("json", read);
                }
            }
        } catch (Exception | LinkageError x) {
            Throwable root = x;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            e.put("flinkReadError", x.getClass().getSimpleName() + ": " + root.getClass().getName() + ": " + root.getMessage());
        }
        out.add(e);
    }

    private void error(String description, String expression, Class<?> declared, Object value, String code, String includes)
            throws Exception {
        TypeSerializer<Object> s = TypeVectors.serializer(new GenericTypeInfo<>(declared));
        out.add(object().put("description", description).put("expression", expression)
                .put("serializer", s.getClass().getSimpleName()).put("bytes", hex(TypeVectors.bytes(s, value)))
                .put("errorCode", code).put("errorIncludes", includes));
    }

    private void all() throws Exception {
        leaves();
        strings();
        temporal();
        collections();
        jdkCollections();
        moreJdk();
        arrays();
        userClasses();
        pojos();
        timePojo();
        errors();
    }

    private void leaves() throws Exception {
        top("null", null);
        for (Object v : new Object[] {0, 42, -1, Integer.MIN_VALUE, 5L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, (short) -2,
                (byte) 7, 0.5f, -0.1f, 2.25, 1.0, -0.0, true, false, 'x', '\u00e9'}) {
            top(v.getClass().getSimpleName() + " " + v, v);
        }
        top("Float NaN", Float.NaN);
        top("Double infinity", Double.NEGATIVE_INFINITY);
        for (BigInteger v : new BigInteger[] {BigInteger.ZERO, BigInteger.ONE, BigInteger.valueOf(-1), BigInteger.valueOf(255),
                BigInteger.TWO.pow(70), BigInteger.TWO.pow(70).negate()}) {
            top("BigInteger " + v, v);
        }
        for (BigDecimal v : new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ONE, new BigDecimal("1.50"),
                new BigDecimal("-12345678901234567890.123"), new BigDecimal("1E+3"), new BigDecimal("0.000001")}) {
            top("BigDecimal " + v, v);
        }
        top("UUID", UUID.fromString("123e4567-e89b-12d3-a456-426614174000"));
        top("UUID high bits", new UUID(-1L, Long.MIN_VALUE));
        top("URI (id 80)", java.net.URI.create("https://example.com/a?b=c"));
        top("enum", ",enum " + PKG + "Color{RED,GREEN,BLUE}", Color.GREEN);
    }

    private void top(String description, String extraArgs, Object value) throws Exception {
        top(description, Object.class, "<Object" + extraArgs + ">", value);
    }

    private void strings() throws Exception {
        String ascii40 = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
        String ascii70 = ascii40 + "EFGHIJKLMNOPQRSTUVWXYZ-abcdefgh";
        for (String v : new String[] {"", "a", "hi", "hello world", ascii40, ascii70, "h\u00e9llo", "\u65e5\u672c",
                "\ud83d\ude00", "lone \ud83d", "nul\u0000", "\u007f\u0080"}) {
            top("String " + v.length() + " chars", v);
        }
    }

    private void temporal() throws Exception {
        top("Date", new Date(1700000000123L));
        top("Date before 1970", new Date(-1L));
        top("sql Date", new java.sql.Date(1700000000000L));
        top("sql Time", new Time(3600000L));
        Timestamp ts = new Timestamp(1700000000123L);
        ts.setNanos(123456789);
        top("Timestamp", ts);
        top("LocalDate", LocalDate.of(2024, 2, 29));
        top("LocalDate BC", LocalDate.of(-5, 12, 31));
        top("LocalTime hour", LocalTime.of(13, 0));
        top("LocalTime minute", LocalTime.of(13, 45));
        top("LocalTime second", LocalTime.of(1, 2, 3));
        top("LocalTime nano", LocalTime.of(1, 2, 3, 4000));
        top("LocalDateTime", LocalDateTime.of(2024, 2, 29, 13, 45, 30, 500000000));
        top("Instant", Instant.ofEpochSecond(1700000000L, 123000000));
        top("Instant before 1970", Instant.ofEpochSecond(-1L, 1));
        // A JDK class Kryo 2.24 has no serializer for goes through its FieldSerializer; a description of it still
        // reads it as its fields (without one, it reads as our Duration: see moreJdk).
        if (kryo.equals("kryo1")) {
            top("Duration via FieldSerializer (1.x)", Object.class, "<Object,final java.time.Duration{nanos:int,seconds:long}>",
                    java.time.Duration.ofSeconds(90, 5));
            // A described class reads as its fields (JsonRender shows only public ones, and Duration has none).
            ObjectNode described = (ObjectNode) out.get(out.size() - 1);
            described.set("json", object().put("nanos", 5).put("seconds", "90"));
            described.remove("hashCode"); // a plain object of its fields: no value class to hash
        }
        // The declared class is registered first (id 85 here): the bytes carry that id, not a name.
        top("declared LocalDateTime", LocalDateTime.class, "<java.time.LocalDateTime>", LocalDateTime.of(1999, 12, 31, 23, 59));
        top("declared UUID (registered by default)", UUID.class, "<java.util.UUID>", UUID.fromString("00000000-0000-0001-0000-000000000002"));
    }

    private void collections() throws Exception {
        top("ArrayList of Integer", new ArrayList<>(List.of(1, 2, 300)));
        top("ArrayList mixed", new ArrayList<>(Arrays.asList(1, "a", 2L, null)));
        top("ArrayList of nulls", new ArrayList<>(Arrays.asList(null, null)));
        top("ArrayList empty", new ArrayList<>());
        top("ArrayList of String with a repeated (interned) one", new ArrayList<>(List.of("a", "b", "a")));
        top("ArrayList of Integer with null", new ArrayList<>(Arrays.asList(7, null, 8)));
        top("LinkedList of Long", new LinkedList<>(List.of(1L, -2L)));
        top("HashSet of String", new HashSet<>(List.of("x", "y", "z")));
        top("LinkedHashSet of Integer", new LinkedHashSet<>(List.of(3, 1, 2)));
        top("TreeSet of String", new TreeSet<>(List.of("b", "a", "c")));
        Map<String, Integer> hm = new HashMap<>();
        hm.put("one", 1);
        hm.put("two", 2);
        top("HashMap String to Integer", hm);
        Map<String, Object> lhm = new LinkedHashMap<>();
        lhm.put("z", 1L);
        lhm.put("a", "text");
        lhm.put("n", null);
        top("LinkedHashMap mixed values", lhm);
        top("TreeMap String to Long", new TreeMap<>(Map.of("b", 2L, "a", 1L)));
        Map<Integer, List<String>> nested = new HashMap<>();
        nested.put(1, new ArrayList<>(List.of("p", "q")));
        nested.put(2, new ArrayList<>());
        top("HashMap of lists", nested);
        List<List<Integer>> lol = new ArrayList<>();
        lol.add(new ArrayList<>(List.of(1)));
        lol.add(new LinkedList<>(List.of(2, 3)));
        top("ArrayList of lists", lol);
        top("declared ArrayList (registered first)", ArrayList.class, "<java.util.ArrayList>", new ArrayList<>(List.of("d")));
        top("PriorityQueue (id 75)", new java.util.PriorityQueue<>(List.of(5, 1, 3)));
        top("Vector", new java.util.Vector<>(List.of("v")));
        top("ArrayDeque", new java.util.ArrayDeque<>(List.of(1L, 2L)));
        top("ConcurrentHashMap", new java.util.concurrent.ConcurrentHashMap<>(Map.of("c", 1)));
    }

    private void jdkCollections() throws Exception {
        top("Arrays.asList", Arrays.asList("x", "y"));
        top("Collections.emptyList", Collections.emptyList());
        top("Collections.emptySet", Collections.emptySet());
        top("Collections.emptyMap", Collections.emptyMap());
        top("Collections.singletonList", Collections.singletonList("s"));
        top("Collections.singleton", Collections.singleton(1));
        top("Collections.singletonMap", Collections.singletonMap("k", 2L));
        top("Collections.unmodifiableList", Collections.unmodifiableList(new ArrayList<>(List.of(1, 2))));
        top("Collections.unmodifiableSet", Collections.unmodifiableSet(new LinkedHashSet<>(List.of("u"))));
        top("Collections.unmodifiableMap", Collections.unmodifiableMap(new LinkedHashMap<>(Map.of("k", "v"))));
        top("Collections.synchronizedList", Collections.synchronizedList(new ArrayList<>(List.of(5))));
        top("Collections.synchronizedMap", Collections.synchronizedMap(new LinkedHashMap<>(Map.of(1, 2))));
        top("List.of()", List.of());
        top("List.of(1)", List.of(1));
        top("List.of(1, 2, 3)", List.of(1, 2, 3));
        top("Set.of(a)", Set.of("a"));
        top("Map.of(k, 1)", Map.of("k", 1));
        top("List.copyOf", List.copyOf(new ArrayList<>(List.of("c", "d", "e"))));
    }

    private static final String COLOR_ARGS = "," + COLOR;
    private static final String TIMED_FIELDS = "took:java.time.Duration,period:java.time.Period,at:java.time.ZonedDateTime,"
            + "seen:java.time.OffsetDateTime,zone:java.time.ZoneId,shift:java.time.ZoneOffset,note:java.util.Optional<String>,"
            + "rank:java.util.OptionalInt,colors:java.util.EnumSet<" + PKG + "Color>,weights:java.util.EnumMap<" + PKG
            + "Color,Integer>,palette:List<" + PKG + "Color>,month:java.time.YearMonth";

    /** java.time amounts and zoned values, zone ids, Optionals, EnumSet/EnumMap, enums in collections. */
    private void moreJdk() throws Exception {
        java.time.LocalDateTime ldt = LocalDateTime.of(2024, 2, 29, 13, 45, 30, 500000000);
        top("Duration", java.time.Duration.ofSeconds(90, 5));
        top("Duration negative", java.time.Duration.ofMillis(-1500));
        top("Duration zero", java.time.Duration.ZERO);
        top("Period", java.time.Period.of(1, 2, 3));
        top("Period negative", java.time.Period.of(-1, 0, -40));
        top("ZonedDateTime in a region", java.time.ZonedDateTime.of(ldt, java.time.ZoneId.of("Europe/Paris")));
        top("ZonedDateTime in summer time", java.time.ZonedDateTime.of(LocalDateTime.of(2023, 7, 1, 8, 0), java.time.ZoneId.of("America/New_York")));
        top("ZonedDateTime at an offset", java.time.ZonedDateTime.of(ldt, java.time.ZoneOffset.ofHours(1)));
        top("ZonedDateTime in UTC (Z)", java.time.ZonedDateTime.of(ldt, java.time.ZoneOffset.UTC));
        top("ZonedDateTime in zone UTC", java.time.ZonedDateTime.of(ldt, java.time.ZoneId.of("UTC")));
        top("OffsetDateTime", java.time.OffsetDateTime.of(ldt, java.time.ZoneOffset.ofHoursMinutes(5, 30)));
        top("OffsetDateTime at an odd offset", java.time.OffsetDateTime.of(ldt, java.time.ZoneOffset.ofTotalSeconds(-3661)));
        top("OffsetTime", java.time.OffsetTime.of(LocalTime.of(13, 45), java.time.ZoneOffset.ofHours(-8)));
        top("ZoneOffset", java.time.ZoneOffset.ofHours(2));
        top("ZoneOffset Z", java.time.ZoneOffset.UTC);
        top("ZoneId region", java.time.ZoneId.of("America/New_York"));
        top("Year", java.time.Year.of(2024));
        top("YearMonth", java.time.YearMonth.of(2024, 2));
        top("MonthDay", java.time.MonthDay.of(2, 29));
        top("Optional of a String", java.util.Optional.of("x"));
        top("Optional empty", java.util.Optional.empty());
        top("Optional of a Long", java.util.Optional.of(5L));
        top("OptionalInt", java.util.OptionalInt.of(-7));
        top("OptionalInt empty", java.util.OptionalInt.empty());
        top("OptionalLong", java.util.OptionalLong.of(1L << 40));
        top("OptionalDouble", java.util.OptionalDouble.of(2.5));
        top("OptionalDouble empty", java.util.OptionalDouble.empty());
        top("EnumSet", COLOR_ARGS, java.util.EnumSet.of(Color.RED, Color.BLUE));
        top("EnumSet empty", COLOR_ARGS, java.util.EnumSet.noneOf(Color.class));
        java.util.EnumMap<Color, Integer> weights = new java.util.EnumMap<>(Color.class);
        weights.put(Color.GREEN, 2);
        weights.put(Color.RED, 1);
        top("EnumMap", COLOR_ARGS, weights);
        top("ArrayList of enums", COLOR_ARGS, new ArrayList<>(List.of(Color.GREEN, Color.RED, Color.GREEN)));
        top("HashMap with enum values", COLOR_ARGS, new HashMap<>(Map.of("k", Color.BLUE)));
        java.time.ZonedDateTime z1 = java.time.ZonedDateTime.of(ldt, java.time.ZoneOffset.ofHours(1));
        java.time.ZonedDateTime z2 = java.time.ZonedDateTime.of(LocalDateTime.of(2020, 1, 1, 0, 0), java.time.ZoneId.of("Europe/Paris"));
        top("ArrayList of zoned and offset values", new ArrayList<>(List.of(z1, z2,
                java.time.OffsetDateTime.of(ldt, java.time.ZoneOffset.ofHours(1)), java.time.ZoneOffset.ofHours(1),
                java.time.Duration.ofHours(3), java.util.Optional.of(java.time.ZoneId.of("Asia/Tokyo")))));
        // Map entries: Kryo's FieldSerializer (key, value) in both versions; they need no description either.
        top("AbstractMap.SimpleEntry", new java.util.AbstractMap.SimpleEntry<>("k", 1L));
        top("Map.entry in a list", new ArrayList<>(List.of(Map.entry("a", 1), Map.entry("b", List.of()))));
        // JDK enums need no description (their constants are known).
        top("JDK enums in a list", new ArrayList<>(List.of(java.time.DayOfWeek.MONDAY, java.time.Month.MARCH,
                java.time.temporal.ChronoUnit.DAYS, java.util.concurrent.TimeUnit.SECONDS, java.math.RoundingMode.HALF_UP,
                java.time.DayOfWeek.MONDAY)));
        top("EnumSet of DayOfWeek", java.util.EnumSet.of(java.time.DayOfWeek.SATURDAY, java.time.DayOfWeek.SUNDAY));
        top("JDK enum (ChronoUnit)", java.time.temporal.ChronoUnit.FOREVER);
        java.util.BitSet bits = new java.util.BitSet();
        for (int b : new int[] {0, 1, 3, 64, 100}) bits.set(b);
        top("BitSet (id 74)", bits);
        top("BitSet empty", new java.util.BitSet());
        top("Locale (id 83)", java.util.Locale.US);
        top("Locale with a script and variant", new java.util.Locale.Builder().setLanguage("sr").setScript("Latn").setRegion("RS").build());
        top("Locale root", java.util.Locale.ROOT);
        top("Pattern (id 76)", java.util.regex.Pattern.compile("a+b*"));
        top("Pattern with flags", java.util.regex.Pattern.compile("x.y", java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.DOTALL));
        top("InetSocketAddress (id 81)", java.net.InetSocketAddress.createUnresolved("example.com", 8080));
        top("TimeZone", java.util.TimeZone.getTimeZone("Europe/Paris"));
        top("Currency", java.util.Currency.getInstance("EUR"));
        top("StringBuilder", new StringBuilder("sb"));
        top("AtomicLong", new java.util.concurrent.atomic.AtomicLong(-5));
        top("AtomicInteger", new java.util.concurrent.atomic.AtomicInteger(6));
        top("AtomicBoolean", new java.util.concurrent.atomic.AtomicBoolean(true));
        // Records: Kryo 5's RecordSerializer on Flink 2.x. Flink 1.x's Kryo 2.24 cannot write one ("can't get field
        // offset on a record class"), so a record in Kryo-typed state fails the job there.
        if (kryo.equals("kryo")) {
            String rec = "record " + PKG + "KryoTypes$Rec{n:int,name:String,tags:List<String>,color:" + COLOR + ",any:Object}";
            top("record", Object.class, "<Object," + rec + ">", new KryoTypes.Rec(3, "r", new ArrayList<>(List.of("t")), Color.RED, 5L));
            top("records in a list", Object.class, "<Object," + rec + ">", new ArrayList<>(List.of(
                    new KryoTypes.Rec(1, null, null, null, null), new KryoTypes.Rec(2, "b", new ArrayList<>(), Color.BLUE, "s"))));
        }
        top("declared Duration (registered first)", java.time.Duration.class, "<java.time.Duration>", java.time.Duration.ofDays(2));
        top("declared ZoneId holds a region", java.time.ZoneId.class, "<java.time.ZoneId>", java.time.ZoneId.of("Europe/Berlin"));
        top("declared Optional", java.util.Optional.class, "<java.util.Optional>", java.util.Optional.of(List.of(1)));
        KryoTypes.Timed t = new KryoTypes.Timed(java.time.Duration.ofMinutes(-5));
        t.period = java.time.Period.ofWeeks(2);
        t.at = z2;
        t.seen = java.time.OffsetDateTime.of(ldt, java.time.ZoneOffset.ofHours(1));
        t.zone = java.time.ZoneId.of("Europe/Paris");
        t.shift = java.time.ZoneOffset.ofHours(1);
        t.note = java.util.Optional.empty();
        t.rank = java.util.OptionalInt.of(3);
        t.colors = java.util.EnumSet.of(Color.GREEN);
        t.weights = weights;
        t.palette = new ArrayList<>(List.of(Color.BLUE, Color.BLUE));
        t.month = java.time.YearMonth.of(1999, 12);
        String timed = PKG + "KryoTypes$Timed{" + TIMED_FIELDS + "}";
        top("user class with java.time, Optional and enum set fields", Object.class, "<Object," + timed + COLOR_ARGS + ">", t);
        top("user class with those fields null", Object.class, "<Object," + timed + COLOR_ARGS + ">",
                new KryoTypes.Timed(null));
    }

    private void timePojo() throws Exception {
        String e = "kryo" + (kryo.equals("kryo1") ? "1" : "");
        TypeInformation<?> info = TypeExtractor.createTypeInfo(KryoTypes.TimePojo.class);
        String expr = "pojo<" + PKG + "KryoTypes$TimePojo>{colors:" + e + "<java.util.EnumSet" + COLOR_ARGS + ">,duration:" + e
                + "<java.time.Duration>,maybe:" + e + "<java.util.Optional>,offset:" + e + "<java.time.OffsetDateTime>,plain:string,"
                + "weights:" + e + "<java.util.EnumMap" + COLOR_ARGS + ">,zone:" + e + "<java.time.ZoneId>,zoned:" + e
                + "<java.time.ZonedDateTime>}";
        @SuppressWarnings("unchecked")
        TypeSerializer<Object> s = (TypeSerializer<Object>) TypeVectors.serializer(info);
        KryoTypes.TimePojo p = new KryoTypes.TimePojo();
        p.duration = java.time.Duration.ofSeconds(3600, 1);
        p.zoned = java.time.ZonedDateTime.of(LocalDateTime.of(2024, 3, 31, 12, 0), java.time.ZoneId.of("Europe/London"));
        p.offset = java.time.OffsetDateTime.of(LocalDateTime.of(2024, 3, 31, 12, 0), java.time.ZoneOffset.ofHours(-3));
        p.zone = java.time.ZoneOffset.ofHours(9);
        p.maybe = java.util.Optional.of("m");
        p.colors = java.util.EnumSet.allOf(Color.class);
        p.weights = new java.util.EnumMap<>(Map.of(Color.BLUE, 3));
        p.plain = "p";
        add("POJO with java.time, Optional and enum set fields (GenericType)", expr, s, p, false);
        add("POJO with java.time, Optional and enum set fields all null", expr, s, new KryoTypes.TimePojo(), false);
        // What Flink's type extraction made of each field (the expression above must say the same).
        ((ObjectNode) out.get(out.size() - 1)).put("typeInfo", info.toString());
    }

    private void arrays() throws Exception {
        top("int[]", new int[] {1, -1, 300, Integer.MIN_VALUE});
        top("long[]", new long[] {1L, -1L, Long.MAX_VALUE});
        top("byte[]", new byte[] {1, -1, 0});
        top("short[]", new short[] {1, -1, Short.MIN_VALUE});
        top("char[]", new char[] {'a', '\u00e9'});
        top("boolean[]", new boolean[] {true, false});
        top("float[]", new float[] {0.5f, -1f});
        top("double[]", new double[] {0.1, Double.NaN});
        top("String[]", new String[] {"a", null, "\u65e5"});
        top("Long[]", new Long[] {1L, null, -1L});
        top("Integer[]", new Integer[] {1, 2});
        top("Object[]", new Object[] {1, "a", null});
        top("int[][]", new int[][] {{1}, {2, 3}, null});
        top("empty int[]", new int[0]);
    }

    private static KryoTypes.Event event() {
        KryoTypes.Event e = new KryoTypes.Event(7L);
        e.count = -3;
        e.score = 2.5;
        e.ratio = 0.25f;
        e.flag = true;
        e.grade = 'B';
        e.small = (short) -300;
        e.tiny = (byte) 9;
        e.name = "ada";
        e.boxed = 11;
        e.total = -12L;
        e.tags = new ArrayList<>(List.of("t1", "t2"));
        e.counts = new LinkedHashMap<>(Map.of("k", 5L));
        e.ids = new LinkedHashSet<>(List.of(4, 5));
        e.when = LocalDateTime.of(2024, 5, 6, 7, 8, 9);
        e.uuid = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        e.amount = new BigDecimal("12.34");
        e.home = new KryoTypes.Address("Main St", 12345);
        e.at = new KryoTypes.Point(1, -2);
        e.color = Color.BLUE;
        e.any = 99L;
        e.values = new int[] {1, 2};
        e.labels = new String[] {"l"};
        e.stops = new ArrayList<>(List.of(e.home, new KryoTypes.Address("Side St", 1), e.home));
        return e;
    }

    private void userClasses() throws Exception {
        String eventArgs = "<" + PKG + "KryoTypes$Event>{" + EVENT_FIELDS + "}";
        top("user class (declared, registered first)", KryoTypes.Event.class, eventArgs, event());
        top("user class with null fields", KryoTypes.Event.class, eventArgs, new KryoTypes.Event(0L));
        top("user class by name", Object.class, "<Object," + EVENT + ">", event());
        KryoTypes.Special sp = new KryoTypes.Special(1L);
        sp.extra = "x";
        sp.level = 4;
        sp.name = "sub";
        top("subclass fields sorted with the superclass's", Object.class, "<Object," + SPECIAL + ">", sp);
        KryoTypes.Address shared = new KryoTypes.Address("Same", 1);
        top("the same object twice (a back-reference)", Object.class, "<Object," + ADDRESS + ">",
                new ArrayList<>(List.of(shared, shared)));
        top("a final user class by name", Object.class, "<Object," + POINT + ">", new KryoTypes.Point(3, 4));
        // A class name of 64 characters or more: Kryo 2.24 writes it with a length (UTF-8 form), Kryo 5 as ASCII.
        String longName = PKG + "KryoTypes$LongNamedClassForTheKryoClassNameLengthRule";
        top("a class name longer than 63 characters", Object.class, "<Object," + longName + "{n:int}>",
                new KryoTypes.LongNamedClassForTheKryoClassNameLengthRule(5));
    }

    private void pojos() throws Exception {
        String e = "kryo" + (kryo.equals("kryo1") ? "1" : "");
        TypeInformation<?> info = TypeExtractor.createTypeInfo(KryoTypes.KryoPojo.class);
        String expr = "pojo<" + PKG + "KryoTypes$KryoPojo>{any:" + e + "<Object," + ADDRESS + ">,event:" + e + "<" + PKG
                + "KryoTypes$Event>{" + EVENT_FIELDS + "},id:" + e + ",items:" + e + "<java.util.ArrayList>,plain:string,queue:"
                + e + "<java.util.LinkedList>,scores:" + e + "<java.util.HashMap>,sorted:" + e + "<java.util.TreeMap>,when:" + e
                + "<java.time.LocalDateTime>}";
        @SuppressWarnings("unchecked")
        TypeSerializer<Object> s = (TypeSerializer<Object>) TypeVectors.serializer(info);
        KryoTypes.KryoPojo p = new KryoTypes.KryoPojo();
        p.items = new ArrayList<>(List.of("i1", "i2"));
        p.scores = new HashMap<>(Map.of("s", 3L));
        p.queue = new LinkedList<>(List.of(1, 2));
        p.sorted = new TreeMap<>(Map.of("b", 2, "a", 1));
        p.when = LocalDateTime.of(2024, 1, 2, 3, 4, 5, 6000);
        p.id = UUID.fromString("00000000-0000-0001-0000-000000000002");
        p.any = new KryoTypes.Address("Any", 2);
        p.event = event();
        p.plain = "p";
        add("POJO with Kryo fields", expr, s, p, false);
        add("POJO with Kryo fields all null", expr, s, new KryoTypes.KryoPojo(), false);
        if (kryo.equals("kryo1")) {
            TypeSerializer<Object> si = TypeVectors.serializer(TypeExtractor.createTypeInfo(KryoTypes.InterfacePojo.class));
            KryoTypes.InterfacePojo ip = new KryoTypes.InterfacePojo();
            ip.tags = new ArrayList<>(List.of("a", "b"));
            ip.counts = new HashMap<>(Map.of("c", 1L));
            ip.labels = new TreeSet<>(List.of("l2", "l1"));
            add("POJO with List, Map and Set fields (Kryo on Flink 1.x)",
                    "pojo<" + PKG + "KryoTypes$InterfacePojo>{counts:kryo1,labels:kryo1,tags:kryo1}", si, ip, false);
        }
    }

    private void errors() throws Exception {
        error("a user class nobody described", kryo, Object.class, new KryoTypes.Address("x", 1), "KRYO_UNSUPPORTED_CLASS",
                "KryoTypes$Address");
        error("the declared class's id without the declared class", kryo, LocalDateTime.class, LocalDateTime.of(2020, 1, 1, 0, 0),
                "KRYO_UNSUPPORTED_CLASS", "85");
        error("an enum nobody described", kryo, Object.class, Color.RED, "KRYO_UNSUPPORTED_CLASS", "dev.qstate.compat.Color");
        TreeMap<String, Integer> reversed = new TreeMap<>(Collections.reverseOrder());
        reversed.put("a", 1);
        error("a TreeMap with a comparator", kryo, Object.class, reversed, "KRYO_UNSUPPORTED_CLASS", "ReverseComparator");
    }
}
