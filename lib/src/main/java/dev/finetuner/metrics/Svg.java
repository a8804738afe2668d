package dev.finetuner.metrics;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Writes SVG markup: elements with escaped attributes and text, coordinates that are always finite. */
final class Svg {
    private final StringBuilder out = new StringBuilder(8192);
    private int depth;

    /** Opens {@code <name attributes...>}; attributes come as name, value pairs. */
    Svg open(String name, Object... attributes) {
        indent().append('<').append(name);
        attributes(attributes);
        out.append(">\n");
        depth++;
        return this;
    }

    Svg close(String name) {
        depth--;
        indent().append("</").append(name).append(">\n");
        return this;
    }

    /** An empty element, {@code <name attributes.../>}. */
    Svg empty(String name, Object... attributes) {
        indent().append('<').append(name);
        attributes(attributes);
        out.append("/>\n");
        return this;
    }

    /** An element holding only text, {@code <name attributes...>text</name>}. */
    Svg text(String name, String text, Object... attributes) {
        indent().append('<').append(name);
        attributes(attributes);
        out.append('>').append(escape(text)).append("</").append(name).append(">\n");
        return this;
    }

    String done() {
        return out.toString();
    }

    private void attributes(Object[] attributes) {
        if (attributes.length % 2 != 0) {
            throw new IllegalArgumentException("attributes come in name, value pairs");
        }
        for (int i = 0; i < attributes.length; i += 2) {
            Object value = attributes[i + 1];
            String text = value instanceof Double d ? num(d) : String.valueOf(value);
            out.append(' ').append(attributes[i]).append("=\"").append(escape(text)).append('"');
        }
    }

    private StringBuilder indent() {
        return out.append("  ".repeat(depth));
    }

    /**
     * A coordinate with at most two decimals and no exponent.
     *
     * @throws IllegalStateException for NaN or an infinity, which no SVG viewer can draw
     */
    static String num(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalStateException("a coordinate is " + v);
        }
        BigDecimal d = BigDecimal.valueOf(v).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros();
        return d.signum() == 0 ? "0" : d.toPlainString();
    }

    /**
     * The text with XML's five special characters escaped and characters XML 1.0 cannot hold (control
     * characters, lone surrogates) replaced by U+FFFD, so any string makes a well-formed document.
     */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c) || c == '\uFFFE' || c == '\uFFFF'
                            || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
                        sb.append('\uFFFD');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
