package dev.finetuner.internal;

import java.lang.ref.Cleaner;

/**
 * The library's one {@link Cleaner}: releases what an object owns (temporary files, a connection) once
 * the object is unreachable, for objects a user may reasonably never close. Its single daemon thread is
 * started on first use and lives as long as the JVM, like the JDK's own cleaner.
 */
public final class Cleaners {
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "finetuner-cleaner");
        t.setDaemon(true);
        return t;
    });

    private Cleaners() {
    }

    /**
     * Runs {@code action} once, when {@code owner} becomes unreachable or when the returned cleanable is
     * cleaned, whichever comes first. The action must not refer to {@code owner}.
     *
     * @param owner the object whose collection runs the action
     * @param action what to run, once
     * @return the cleanable, to run the action early
     */
    public static Cleaner.Cleanable register(Object owner, Runnable action) {
        return CLEANER.register(owner, action);
    }
}
