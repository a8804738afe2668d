package dev.finetuner.local;

import com.sun.net.httpserver.Headers;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Keeps web pages away from a backend that anyone on the machine may call without a key. Binding to loopback stops
 * other machines, not a browser on this one: a page can rebind its own name to 127.0.0.1 (its requests then carry
 * its {@code Host}), or post a form or a "simple" fetch cross-site (they carry its {@code Origin}, and a
 * {@code text/plain} or urlencoded body, which needs no CORS preflight).
 */
final class RequestGuard {
    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");

    private RequestGuard() {
    }

    /**
     * Refuses a request addressed to a host that is not loopback (an HTTP/1.0 request may name none) or sent from an
     * origin that is not loopback.
     */
    static void check(Headers headers) {
        String host = headers.getFirst("Host");
        if (host != null && !isLoopbackAuthority(host.trim())) {
            throw new ApiError(403, "This backend answers only requests addressed to a loopback host (localhost, "
                    + "127.0.0.1 or [::1]); 'Host: " + printable(host) + "' was refused, as a page that rebound its "
                    + "own name to this machine would send it.", ApiError.INVALID_REQUEST, null, "host_not_allowed",
                    Map.of());
        }
        String origin = headers.getFirst("Origin");
        if (origin != null && !isLoopbackOrigin(origin.trim())) {
            throw new ApiError(403, "This backend does not answer web pages from other sites; 'Origin: "
                    + printable(origin) + "' was refused. Call it from a program or from a page served on a loopback "
                    + "address.", ApiError.INVALID_REQUEST, null, "origin_not_allowed", Map.of());
        }
    }

    /** {@code localhost}, {@code 127.x.y.z} or {@code [::1]}, each with or without a port. */
    static boolean isLoopbackAuthority(String authority) {
        String host = authority;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                return false;
            }
            host = authority.substring(0, close + 1);
            String rest = authority.substring(close + 1);
            if (!rest.isEmpty() && !(rest.startsWith(":") && PORT.matcher(rest.substring(1)).matches())) {
                return false;
            }
        } else {
            int colon = authority.indexOf(':');
            if (colon >= 0) {
                host = authority.substring(0, colon);
                if (!PORT.matcher(authority.substring(colon + 1)).matches()) {
                    return false;
                }
            }
        }
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("[::1]") || h.equals("[0:0:0:0:0:0:0:1]")
                || IPV4_LOOPBACK.matcher(h).matches();
    }

    /** An {@code http} or {@code https} origin on a loopback host; {@code null} (an opaque origin) is not one. */
    static boolean isLoopbackOrigin(String origin) {
        try {
            URI uri = new URI(origin);
            String scheme = uri.getScheme();
            return ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && uri.getRawAuthority() != null
                    && uri.getRawUserInfo() == null && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
                    && isLoopbackAuthority(uri.getRawAuthority());
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /**
     * Refuses a body that is not of {@code expected} media type ({@code application/json} or
     * {@code multipart/form-data}) with a 415 that says what is expected.
     */
    static void requireMediaType(Headers headers, String expected) {
        String type = headers.getFirst("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals(expected)) {
            throw new ApiError(415, "This endpoint expects a " + expected + " body"
                    + (type == null ? ", and the request has no Content-Type." : ", not " + printable(type) + "."),
                    ApiError.INVALID_REQUEST, null, "unsupported_media_type", Map.of());
        }
    }

    /** A header value fit to quote in a message: short, one line. */
    private static String printable(String value) {
        String v = value.replaceAll("\\p{Cntrl}", "?");
        return v.length() > 100 ? v.substring(0, 100) + "..." : v;
    }
}
