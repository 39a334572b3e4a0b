// java.time values as small immutable classes; toString() (and toJSON()) is Java's toString(). One file per
// family under temporal/: local dates and times, amounts (Duration, Period), zoned and offset values, and the
// partial dates (Year, YearMonth, MonthDay).
export { Instant, LocalDate, LocalDateTime, LocalTime } from "./temporal/local.ts";
export { Duration, Period } from "./temporal/amount.ts";
export { OffsetDateTime, OffsetTime, ZonedDateTime, zoneOffsetId, zoneOffsetSeconds } from "./temporal/zoned.ts";
export { MonthDay, Year, YearMonth } from "./temporal/partial.ts";
