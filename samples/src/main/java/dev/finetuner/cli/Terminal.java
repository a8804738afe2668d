package dev.finetuner.cli;

import java.util.function.BooleanSupplier;

/** Whether the command line runs on a console, where a progress line can be redrawn in place with {@code \r}. */
final class Terminal {
    /** Asked once per command; a seam for tests, which run without a console. */
    static volatile BooleanSupplier attached = () -> System.console() != null;

    private Terminal() {
    }

    static boolean attached() {
        return attached.getAsBoolean();
    }
}
