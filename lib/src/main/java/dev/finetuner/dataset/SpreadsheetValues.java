package dev.finetuner.dataset;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The text of a numeric spreadsheet cell as the sheet shows it: a number as written, a date, time or
 * date-time (stored as a day count since 1900 or 1904) as ISO text, chosen by the cell's number format.
 */
final class SpreadsheetValues {
    private static final LocalDateTime EPOCH_1900 = LocalDateTime.of(1899, 12, 30, 0, 0); // Excel's 1900 leap-year bug included
    private static final LocalDateTime EPOCH_1904 = LocalDateTime.of(1904, 1, 1, 0, 0);
    private static final DateTimeFormatter DATE = DateTimeFormatter.ISO_LOCAL_DATE;
    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("HH:mm");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("HH:mm:ss");

    private SpreadsheetValues() {
    }

    /**
     * The text of a cell whose stored value is {@code raw} (a number, or any text for other cells).
     *
     * @param formatId the built-in number format id, if any
     * @param format   the number format, if any ({@code yyyy-mm-dd}, {@code h:mm}, {@code 0.00}, ...)
     */
    static String text(String raw, Integer formatId, String format, boolean date1904) {
        if (raw == null) {
            return "";
        }
        Kind kind = kind(formatId, format);
        if (kind == Kind.NUMBER) {
            return raw;
        }
        BigDecimal serial;
        try {
            serial = new BigDecimal(raw.strip());
        } catch (NumberFormatException e) {
            return raw; // a formula's text result under a date format
        }
        if (serial.signum() < 0 || serial.compareTo(BigDecimal.valueOf(2_958_466)) > 0) {
            return raw; // outside the dates a spreadsheet can show
        }
        long millis = serial.multiply(BigDecimal.valueOf(86_400_000L)).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
        LocalDateTime at = (date1904 ? EPOCH_1904 : EPOCH_1900).plus(millis, ChronoUnit.MILLIS);
        // a sheet shows whole seconds: round the way it does
        at = at.plusNanos(500_000_000L).truncatedTo(ChronoUnit.SECONDS);
        boolean seconds = at.getSecond() != 0 || format != null && format.toLowerCase(java.util.Locale.ROOT).contains("s");
        String time = (seconds ? SECONDS : MINUTES).format(at);
        return switch (kind) {
            case TIME -> time;
            case DATE -> at.toLocalTime().equals(java.time.LocalTime.MIDNIGHT) ? DATE.format(at) : DATE.format(at) + " " + time;
            default -> DATE.format(at) + " " + time;
        };
    }

    private enum Kind { NUMBER, DATE, TIME, DATE_TIME }

    /** What a number format shows: the built-in ids of ECMA-376 18.8.30, else the format's own letters. */
    private static Kind kind(Integer id, String format) {
        if (id != null) {
            if (id >= 14 && id <= 17 || id == 22) {
                return id == 22 ? Kind.DATE_TIME : Kind.DATE;
            }
            if (id >= 18 && id <= 21 || id >= 45 && id <= 47) {
                return Kind.TIME;
            }
        }
        if (format == null || format.isEmpty() || format.equalsIgnoreCase("General")) {
            return Kind.NUMBER;
        }
        // drop quoted text, escaped characters and [colour]/[locale] sections: only the codes remain
        String codes = format.replaceAll("\"[^\"]*\"", "").replaceAll("\\\\.", "").replaceAll("\\[(?!h\\]|m\\]|s\\])[^]]*]", "")
                .toLowerCase(java.util.Locale.ROOT);
        boolean date = codes.indexOf('y') >= 0 || codes.indexOf('d') >= 0;
        boolean time = codes.indexOf('h') >= 0 || codes.indexOf('s') >= 0;
        if (date && time) {
            return Kind.DATE_TIME;
        }
        if (date || codes.indexOf('m') >= 0 && !time && !codes.contains("0") && !codes.contains("#")) {
            return Kind.DATE;
        }
        return time ? Kind.TIME : Kind.NUMBER;
    }

}
