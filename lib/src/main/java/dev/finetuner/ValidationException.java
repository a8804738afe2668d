package dev.finetuner;

import dev.finetuner.validation.Finding;
import dev.finetuner.validation.ValidationReport;

/** A dataset has error findings and was refused; {@link #report()} says which and where. */
public class ValidationException extends FineTunerException {
    private final transient ValidationReport report;

    /**
     * An exception for a report that is not ready; the message names the first errors and their lines.
     *
     * @param report the report with the error findings
     */
    public ValidationException(ValidationReport report) {
        super(summary(report));
        this.report = report;
    }

    private static String summary(ValidationReport report) {
        var errors = report.findings().stream().filter(Finding::blocking).toList();
        StringBuilder sb = new StringBuilder("the dataset is not ready for fine-tuning: ")
                .append(report.errorCount()).append(" error finding(s)");
        errors.stream().limit(3).forEach(f -> sb.append("; ").append(f.location()).append(' ').append(f.message()));
        if (errors.size() > 3) {
            sb.append("; ...");
        }
        return sb.append(". See report() for every finding and its fix.").toString();
    }

    /** {@return the full report, with every finding and its suggested fix} */
    public ValidationReport report() {
        return report;
    }
}
