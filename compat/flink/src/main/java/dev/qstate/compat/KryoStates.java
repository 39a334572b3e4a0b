package dev.qstate.compat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.runtime.util.EnvironmentInformation;

/**
 * The Kryo part of the types job: states whose types Flink hands to its KryoSerializer ({@code GenericTypeInfo}):
 * POJOs with Kryo-typed fields of each kind ({@link KryoTypes.KryoPojo}; on Flink 1.x also {@code List}/{@code Map}/
 * {@code Set} fields), a user class that is no POJO ({@link KryoTypes.Event}, read through Kryo's FieldSerializer),
 * JDK values in an {@code Object}-typed state, a list state of {@code LocalDateTime}, a map state of {@code UUID}s,
 * and {@code UUID} keys. Type expressions are {@code kryo1} on Flink 1.x, {@code kryo} on 2.x. Every value is a pure
 * function of the key, its last record and its record count, as in {@link TypesJob}.
 */
final class KryoStates {
    private KryoStates() {}

    private static final boolean FLINK1 = EnvironmentInformation.getVersion().startsWith("1.");
    private static final String K = FLINK1 ? "kryo1" : "kryo";
    private static final String PKG = "dev.qstate.compat.";
    private static final String ADDRESS = PKG + "KryoTypes$Address{street:String,zip:int}";
    private static final String EVENT_FIELDS = "id:long,count:int,score:double,ratio:float,flag:boolean,grade:char,"
            + "small:short,tiny:byte,name:String,boxed:Integer,total:Long,tags:List<String>,counts:Map<String,Long>,"
            + "ids:Set<Integer>,when:LocalDateTime,uuid:UUID,amount:BigDecimal,home:" + ADDRESS + ",at:final " + PKG
            + "KryoTypes$Point{x:int,y:int},color:enum " + PKG + "Color{RED,GREEN,BLUE},any:Object,values:int[],"
            + "labels:String[],stops:List<" + PKG + "KryoTypes$Address>";
    private static final String EVENT = K + "<" + PKG + "KryoTypes$Event>{" + EVENT_FIELDS + "}";

    private static int userIndex(String user) {
        return Integer.parseInt(user.substring("user-".length()));
    }

    static void addTo(TypesJob.Group<String> users, List<TypesJob.Group<?>> out) {
        users.value("t-kryo-pojo", "pojo<" + PKG + "KryoTypes$KryoPojo>{any:" + K + "<Object," + ADDRESS + ">,event:" + EVENT
                + ",id:" + K + ",items:" + K + "<java.util.ArrayList>,plain:string,queue:" + K + "<java.util.LinkedList>,scores:"
                + K + "<java.util.HashMap>,sorted:" + K + "<java.util.TreeMap>,when:" + K + "<java.time.LocalDateTime>}",
                Types.POJO(KryoTypes.KryoPojo.class), (u, e, n) -> pojo(userIndex(u), e, n));
        if (FLINK1) {
            users.value("t-kryo-interfaces", "pojo<" + PKG + "KryoTypes$InterfacePojo>{counts:kryo1,labels:kryo1,tags:kryo1}",
                    Types.POJO(KryoTypes.InterfacePojo.class), (u, e, n) -> interfaces(userIndex(u), e, n));
        }
        users.value("t-kryo-event", EVENT, new GenericTypeInfo<>(KryoTypes.Event.class), (u, e, n) -> event(userIndex(u), e, n));
        users.value("t-kryo-object", K, new GenericTypeInfo<>(Object.class), (u, e, n) -> jdk(userIndex(u), e, n));
        users.list("t-kryo-list", K + "<java.time.LocalDateTime>", new GenericTypeInfo<>(LocalDateTime.class),
                (u, e, n) -> LocalDateTime.of(2024, 1 + (int) (n % 12), 1 + userIndex(u), (int) (e.ts % 24), (int) (n % 60)));
        users.map("t-kryo-map", "map<string," + K + ">", Types.STRING, new GenericTypeInfo<>(UUID.class),
                (u, e, n) -> Tuple2.of(e.category, n % 5 == 0 ? null : new UUID(e.ts, -e.value * n)));

        // A Kryo-typed key: Flink routes it by UUID.hashCode() and compares its Kryo bytes (RocksDB).
        TypesJob.Group<UUID> uuids = new TypesJob.Group<>("uuid-key", K, new GenericTypeInfo<>(UUID.class),
                e -> new UUID(e.id * 0x9e3779b97f4a7c15L, -e.id));
        uuids.value("t-string-by-uuid", "string", Types.STRING, (id, e, n) -> e.user + "#" + n);
        out.add(uuids);
    }

    static KryoTypes.KryoPojo pojo(int k, Event e, long n) {
        KryoTypes.KryoPojo p = new KryoTypes.KryoPojo();
        if (k % 4 == 3) return p; // every field null
        p.items = new ArrayList<>(List.of(e.category, "item-" + n));
        p.scores = new HashMap<>(Map.of(e.category, e.value * n));
        p.queue = new LinkedList<>(List.of(k, (int) n));
        p.sorted = new TreeMap<>(Map.of("b", k, "a", (int) e.value));
        p.when = LocalDateTime.of(2024, 1 + k % 12, 1 + (int) (n % 28), k, (int) (e.ts % 60), 0, k * 1_000);
        p.id = new UUID(e.id, n);
        p.any = switch (k % 3) {
            case 0 -> new KryoTypes.Address(e.category, k);
            case 1 -> (int) e.value;
            default -> null;
        };
        p.event = k % 2 == 0 ? event(k, e, n) : null;
        p.plain = e.category;
        return p;
    }

    static KryoTypes.InterfacePojo interfaces(int k, Event e, long n) {
        KryoTypes.InterfacePojo p = new KryoTypes.InterfacePojo();
        p.tags = k % 3 == 0 ? null : new ArrayList<>(List.of(e.category, "n" + n));
        p.counts = new LinkedHashMap<>(Map.of(e.category, n));
        p.labels = new TreeSet<>(List.of("l" + k, e.category));
        return p;
    }

    static KryoTypes.Event event(int k, Event e, long n) {
        KryoTypes.Event x = new KryoTypes.Event(e.id * n);
        if (k % 5 == 4) return x; // every reference field null
        x.count = (int) -n;
        x.score = e.value / 3.0;
        x.ratio = e.value / 8f;
        x.flag = e.value % 2 == 0;
        x.grade = (char) ('A' + k);
        x.small = (short) (e.value * 100);
        x.tiny = (byte) k;
        x.name = e.user;
        x.boxed = k % 2 == 0 ? null : (int) e.value;
        x.total = e.ts * n;
        x.tags = new ArrayList<>(List.of(e.category, e.user));
        x.counts = new LinkedHashMap<>(Map.of(e.category, e.value));
        x.ids = new LinkedHashSet<>(List.of((int) n, k));
        x.when = LocalDateTime.of(2020, 1 + k % 12, 1 + k, k, 30, (int) (n % 60));
        x.uuid = new UUID(k, e.ts);
        x.amount = BigDecimal.valueOf(e.value * 100 + k, 2);
        x.home = new KryoTypes.Address("street-" + k, 10_000 + k);
        x.at = new KryoTypes.Point(k, (int) -n);
        x.color = Color.values()[(int) ((k + n) % 3)];
        x.any = k % 2 == 0 ? (Object) e.category : (Object) (long) n;
        x.values = new int[] {k, (int) n, (int) e.value};
        x.labels = new String[] {e.category, null};
        x.stops = new ArrayList<>(List.of(x.home, new KryoTypes.Address("stop", (int) n), x.home));
        return x;
    }

    /** JDK values Flink reads back from Kryo (not List.of on 1.x, nor Collections.unmodifiable* on either). */
    static Object jdk(int k, Event e, long n) {
        return switch (k) {
            case 0 -> (int) e.value;
            case 1 -> e.ts * n;
            case 2 -> e.category + "/" + n;
            case 3 -> BigDecimal.valueOf(e.value, 3);
            case 4 -> new UUID(e.value, n);
            case 5 -> LocalDate.of(2000 + k, 1 + (int) (n % 12), 1 + k);
            case 6 -> new ArrayList<>(Arrays.asList(e.category, (long) n, null, e.value / 2.0));
            case 7 -> new HashMap<>(Map.of(e.category, n, "k", (long) k));
            case 8 -> new TreeSet<>(List.of(e.category, "s" + n));
            case 9 -> Arrays.asList(e.user, e.category);
            case 10 -> Collections.singletonMap(e.category, (int) n);
            default -> new java.util.Date(1_700_000_000_000L + e.ts * n);
        };
    }
}
