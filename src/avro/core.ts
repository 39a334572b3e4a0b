/**
 * What the Avro entry uses of the main entry, in one place. The npm build maps this module's import to the
 * package's own main entry (`queryable-state`), so that `queryable-state/avro` shares its classes (`Decimal`,
 * `Instant`, the errors …) with the main entry instead of carrying copies, and the main bundle stays as it was.
 */
export {
  ByteReader,
  bigIntFromJavaBytes,
  bigIntToJavaBytes,
  ByteWriter,
  Decimal,
  Instant,
  InvalidArgumentError,
  LocalDate,
  LocalDateTime,
  LocalTime,
  QueryableStateError,
  type TypeSerializer,
} from "../../mod.ts";
