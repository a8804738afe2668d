package dev.finetuner.samples.service;

import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Small datasets made in the test, as a team's export would look. */
final class Datasets {
    private Datasets() {
    }

    /** Restaurant reviews labelled positive or negative, {@code rows} of them, as CSV with a header. */
    static String reviewsCsv(int rows) {
        return "prompt,completion\n" + IntStream.range(0, rows)
                .mapToObj(i -> "\"the food was " + (i % 2 == 0 ? "great" : "awful") + " on day " + i + "\","
                        + (i % 2 == 0 ? "positive" : "negative"))
                .collect(Collectors.joining("\n")) + "\n";
    }

    /** Five rows, one without a completion: too few examples to train on. */
    static String notReadyCsv() {
        return """
                prompt,completion
                "the soup was cold",negative
                "lovely staff",positive
                "waited an hour",
                "best pizza in town",positive
                "the bill was wrong",negative
                """;
    }
}
