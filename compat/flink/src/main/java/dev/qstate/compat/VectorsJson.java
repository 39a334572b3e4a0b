package dev.qstate.compat;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;

/**
 * The encoding conventions of tests/fixtures/vectors/README.md (hex bytes, Java errors as {@code {class, message,
 * cause?}}) and the file layout: one entry per line, every non-ASCII UTF-16 unit escaped as {@code \\uXXXX}
 * so that lone surrogates survive.
 */
final class VectorsJson {
    private VectorsJson() {}

    private static final HexFormat HEX = HexFormat.of();
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    static String hex(byte[] b) {
        return HEX.formatHex(b);
    }

    static byte[] unhex(String s) {
        return HEX.parseHex(s);
    }

    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** A Java Throwable as {@code {class, message, cause?}}. */
    static ObjectNode error(Throwable t) {
        ObjectNode n = object().put("class", t.getClass().getName()).put("message", t.getMessage());
        if (t.getCause() != null && t.getCause() != t) n.set("cause", error(t.getCause()));
        return n;
    }

    /** {@code {schemaVersion: 1, meta, <category>: [entries]}}, each entry on its own line. */
    static void write(Path file, ObjectNode meta, Map<String, ArrayNode> categories) throws IOException {
        StringBuilder out = new StringBuilder("{\n  \"schemaVersion\": 1,\n  \"meta\": ");
        out.append(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(meta).replace("\n", "\n  "));
        for (Map.Entry<String, ArrayNode> c : categories.entrySet()) {
            out.append(",\n  ").append(MAPPER.writeValueAsString(c.getKey())).append(": [");
            String sep = "\n    ";
            for (JsonNode e : c.getValue()) {
                out.append(sep).append(MAPPER.writeValueAsString(e));
                sep = ",\n    ";
            }
            out.append(c.getValue().isEmpty() ? "]" : "\n  ]");
        }
        out.append("\n}\n");
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(file, out, StandardCharsets.US_ASCII);
    }
}
