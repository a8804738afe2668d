package dev.finetuner.local.wronglayer;

import dev.finetuner.dataset.Dataset;
import dev.finetuner.validation.ValidationReport;
import dev.finetuner.validation.Validator;

import java.nio.file.Path;

/** Test fixture for {@code LayersTest}: what the embedded backend must never do again. */
public final class JudgesWithTheValidator {
    private JudgesWithTheValidator() {
    }

    static boolean accepts(Path file) {
        ValidationReport report = Validator.standard().validate(Dataset.read(file));
        return report.isReady();
    }
}
