package dev.qstate.compat;

/** Role {@code vectors}: golden vectors from Flink's real serializers (written in a later step). */
final class VectorsRole {
    private VectorsRole() {}

    static void run(Args args) {
        throw new UnsupportedOperationException("vectors role not built yet");
    }
}
