package dev.finetuner.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A streaming {@code multipart/form-data} reader: text fields are kept (up to
 * {@value #MAX_FIELD_BYTES} bytes each), file fields are copied into files as they arrive, so an upload
 * of any size is never held in memory.
 */
final class Multipart {
    static final int MAX_FIELD_BYTES = 64 * 1024;
    /** The media type of the bodies read here; the caller refuses any other before reading. */
    static final String MEDIA_TYPE = "multipart/form-data";
    private static final int MAX_HEADER_LINE = 8 * 1024;
    private static final Pattern BOUNDARY = Pattern.compile("boundary=(?:\"([^\"]+)\"|([^;\\s]+))", Pattern.CASE_INSENSITIVE);
    private static final Pattern NAME = Pattern.compile("[;\\s]name=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

    private final InputStream in;
    /** {@code CRLF--boundary}: what ends every field. */
    private final byte[] delimiter;
    /** How far the search for the delimiter may move on when a window ends in a given byte (Horspool). */
    private final int[] shift = new int[256];
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int limit;

    /**
     * One form field.
     *
     * @param name the field name
     * @param filename the file name the client sent, or null
     * @param value the text of a text field, or null for a file field
     * @param file where a file field's bytes were written, or null
     * @param size the field's size in bytes
     */
    record Part(String name, String filename, String value, Path file, long size) {
    }

    private Multipart(InputStream in, byte[] delimiter) {
        this.in = in;
        this.delimiter = delimiter;
        Arrays.fill(shift, delimiter.length);
        for (int j = 0; j < delimiter.length - 1; j++) {
            shift[delimiter[j] & 0xff] = delimiter.length - 1 - j;
        }
        // the first boundary has no line break before it; pretend it has one, so every delimiter is CRLF--boundary
        buf[0] = '\r';
        buf[1] = '\n';
        limit = 2;
    }

    /**
     * Reads every field.
     *
     * @param fileFor where to write a file field (a field with a filename, or named in {@code fileFields})
     * @throws ApiError 400 when the body is not multipart/form-data
     */
    static Map<String, Part> read(InputStream in, String contentType, java.util.Set<String> fileFields,
                                  Function<String, Path> fileFor) throws IOException {

        Matcher m = BOUNDARY.matcher(contentType == null ? "" : contentType);
        if (!m.find()) {
            throw ApiError.badRequest("The multipart/form-data body has no boundary.", null);
        }
        String boundary = m.group(1) != null ? m.group(1) : m.group(2);
        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        Multipart reader = new Multipart(in, delimiter);
        Map<String, Part> parts = new HashMap<>();
        reader.copyUntil(OutputStream.nullOutputStream(), Long.MAX_VALUE); // the preamble
        while (true) {
            String after = reader.readLine();
            if (after.startsWith("--")) {
                return parts; // the closing delimiter
            }
            String name = null;
            String filename = null;
            for (String line = reader.readLine(); !line.isEmpty(); line = reader.readLine()) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
                    Matcher n = NAME.matcher(line);
                    if (n.find()) {
                        name = n.group(1);
                    }
                    Matcher f = FILENAME.matcher(line);
                    if (f.find()) {
                        // header bytes were read as ISO-8859-1; a UTF-8 file name is restored here
                        filename = new String(f.group(1).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
                    }
                }
            }
            if (name == null) {
                throw ApiError.badRequest("A multipart field has no name.", null);
            }
            if (filename != null || fileFields.contains(name)) {
                Path file = fileFor.apply(name);
                long size;
                try (OutputStream out = Files.newOutputStream(file)) {
                    size = reader.copyUntil(out, Long.MAX_VALUE);
                }
                parts.put(name, new Part(name, filename, null, file, size));
            } else {
                var text = new java.io.ByteArrayOutputStream();
                long size = reader.copyUntil(text, MAX_FIELD_BYTES);
                parts.put(name, new Part(name, null, text.toString(StandardCharsets.UTF_8), null, size));
            }
        }
    }

    /** Copies bytes to {@code out} until the delimiter, which is consumed; returns the bytes copied. */
    private long copyUntil(OutputStream out, long max) throws IOException {
        long copied = 0;
        while (true) {
            int found = indexOf();
            if (found >= 0) {
                copied += found - pos;
                check(copied, max);
                out.write(buf, pos, found - pos);
                pos = found + delimiter.length;
                return copied;
            }
            // everything but a possible start of the delimiter at the end is content
            int safe = Math.max(pos, limit - delimiter.length + 1);
            copied += safe - pos;
            check(copied, max);
            out.write(buf, pos, safe - pos);
            pos = safe;
            if (!fill()) {
                throw ApiError.badRequest("The multipart/form-data body ends before its closing boundary.", null);
            }
        }
    }

    private static void check(long copied, long max) {
        if (copied > max) {
            throw ApiError.badRequest("A multipart text field is longer than " + max + " bytes.", null);
        }
    }

    /**
     * Where the delimiter starts in the unread bytes, or -1. Horspool's search: a file's bytes are compared
     * at about one in every delimiter-length positions, not at each.
     */
    private int indexOf() {
        byte[] d = delimiter;
        int last = d.length - 1;
        byte lastByte = d[last];
        for (int i = pos; i <= limit - d.length; i += shift[buf[i + last] & 0xff]) {
            if (buf[i + last] == lastByte && Arrays.equals(buf, i, i + last, d, 0, last)) {
                return i;
            }
        }
        return -1;
    }

    /** Moves the unread bytes to the front and reads more; false at the end of the stream. */
    private boolean fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        if (limit == buf.length) {
            throw ApiError.badRequest("A multipart header line is too long.", null);
        }
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) {
            return false;
        }
        limit += n;
        return true;
    }

    /** A line up to CRLF (not included), as ISO-8859-1 (header values here are ASCII). */
    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            for (; pos < limit; pos++) {
                char c = (char) (buf[pos] & 0xff);
                if (c == '\n') {
                    pos++;
                    int end = sb.length();
                    if (end > 0 && sb.charAt(end - 1) == '\r') {
                        sb.setLength(end - 1);
                    }
                    return sb.toString();
                }
                sb.append(c);
                if (sb.length() > MAX_HEADER_LINE) {
                    throw ApiError.badRequest("A multipart header line is too long.", null);
                }
            }
            if (!fill()) {
                if (sb.length() > 0) {
                    return sb.toString();
                }
                throw ApiError.badRequest("The multipart/form-data body ends before its closing boundary.", null);
            }
        }
    }
}
