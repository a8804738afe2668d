package dev.finetuner.validation;

import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;
import dev.finetuner.model.BaseModel;
import dev.finetuner.model.ExampleFormat;
import dev.finetuner.model.TaskType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import static dev.finetuner.validation.ValidationReport.visible;

/**
 * The built-in rules: those of {@code prepare_data}, of OpenAI's chat cookbook and of together.ai's
 * {@code check_file}, one class each. {@link #standard} is the registry: what it lists is what runs and
 * what {@link Validator#CODES} names.
 */
final class Rules {
    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    static final Set<String> MESSAGE_KEYS = Set.of("role", "content", "name", "function_call", "weight",
            "tool_calls", "tool_call_id", "refusal");
    static final String FALLBACK_SEPARATOR = "\n\n### =>\n\n";
    static final String FALLBACK_STOP = " [END]";
    static final int MAX_PROMPT_PREFIX = 12;
    static final int MIN_COMPLETION_PREFIX = 5;
    static final int LONG_XFIX = 10;

    private Rules() {
    }

    /**
     * Fresh instances of every built-in rule, with {@code users} among them: dataset-wide rules first
     * (their order is the order the plan is made in: lower-casing before the suffixes it changes), the
     * users' rules after the built-in checks of each example, the counts last.
     */
    static List<Rule> standard(List<Rule> users) {
        List<Rule> rules = new ArrayList<>(List.of(
                new LegacyModel(), new UnknownModel(), new ModelFormat(), new MixedFormats(), new Task(),
                new ClassBalance(), new Duplicate(),
                new EmptyCompletion(), new UnrecognizedRole(), new MessageUnrecognizedKey(), new MissingContent(),
                new InvalidWeight(), new MissingAssistantMessage(), new InvalidPreference(),
                new IdenticalCompletions(), new ExtraColumns(), new Uppercase(), new PromptPrefix(),
                new IdenticalPrompts(), new PromptSuffix(), new MissingSeparator(), new CompletionPrefix(),
                new CompletionSuffix(), new MissingStopSequence(), new CompletionSpaceStart(), new ChatRoles(),
                new TooLong(), new RepeatedSeparator(), new RepeatedStopSequence()));
        rules.addAll(users);
        rules.addAll(List.of(new NoExamples(), new TooFewExamples(), new NumExamples()));
        return rules;
    }

    // ---------------------------------------------------------------- the model

    static final class LegacyModel extends Rule {
        String code() { return "legacy_model"; }
        Severity severity() { return Severity.INFO; }

        @Override
        void plan(Planning p) {
            if (p.model.known() && p.modelWarning.isPresent()) {
                p.report(dataset(p.modelWarning.get(), null));
            }
        }
    }

    static final class UnknownModel extends Rule {
        String code() { return "unknown_model"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            if (!p.model.known() && p.modelWarning.isPresent()) {
                p.report(dataset(p.modelWarning.get(), "name a model of the catalogue for exact limits and prices"));
            }
        }
    }

    static final class ModelFormat extends Rule {
        String code() { return "model_format"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void plan(Planning p) {
            boolean chatData = p.majority != Shape.PROMPT_COMPLETION;
            boolean chatModel = p.model.format() == ExampleFormat.CHAT;
            if (p.stats.examples > 0 && chatData != chatModel) {
                p.report(dataset(p.model.name() + " trains on " + (chatModel ? "chat" : "prompt/completion")
                        + " examples, but the file holds " + p.majority.words() + " examples", chatData
                        ? "choose a chat model such as " + BaseModel.GPT_4O_MINI.name()
                        : "choose davinci-002 or babbage-002, or convert the examples to chat"));
            }
        }
    }

    // ---------------------------------------------------------------- the dataset as a whole

    static final class MixedFormats extends Rule {
        String code() { return "mixed_formats"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void plan(Planning p) {
            for (Shape s : Shape.ALL) {
                long n = p.stats.shapeCounts[s.ordinal()];
                if (s != p.majority && n > 0) {
                    p.report(at(p.stats.shapeFirstLine[s.ordinal()], null, n + " " + s.words()
                            + " example(s) (the first here) in a file of " + p.majority.words()
                            + " examples; one file must hold one format", "keep one format per file")
                            .withRepair(Repair.DROP_INVALID, p.applies(Repair.DROP_INVALID)));
                }
            }
        }
    }

    static final class Task extends Rule {
        String code() { return "task_type"; }
        Severity severity() { return Severity.INFO; }

        @Override
        void plan(Planning p) {
            if (p.stats.examples == 0) {
                return;
            }
            if (p.task != TaskType.CLASSIFICATION) {
                p.report(dataset("looks like " + p.task.name().toLowerCase(Locale.ROOT).replace('_', ' '), null));
                return;
            }
            List<Map.Entry<String, Long>> top = p.sortedClasses();
            StringBuilder msg = new StringBuilder("looks like classification: ").append(top.size()).append(" classes");
            if (top.size() == 2) {
                msg.append("; the positive class (the most frequent) is ").append(visible(top.get(0).getKey()));
            }
            p.report(dataset(msg.toString(), "for classification, " + BaseModel.BABBAGE_002.name()
                    + " is faster and cheaper;"
                    + (p.validationFraction() > 0 ? "" : " hold out a validation split (e.g. 0.2) to measure accuracy;")
                    + " a one-token class label (after a leading space) makes evaluation exact"));
        }
    }

    /** A count as a share of the whole, e.g. {@code 12.5%}. */
    static String share(long count, long of) {
        return String.format(java.util.Locale.ROOT, "%.1f%%", of == 0 ? 0.0 : 100.0 * count / of);
    }

    static final class ClassBalance extends Rule {
        /** The largest class this many times the smallest (9:1, a tenth of the examples) is imbalanced. */
        static final long IMBALANCE_RATIO = 9;

        String code() { return "class_balance"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            // a detail of the task finding: off with it
            if (p.stats.examples == 0 || p.task != TaskType.CLASSIFICATION || !p.enabled("task_type")) {
                return;
            }
            List<Map.Entry<String, Long>> top = p.sortedClasses();
            long smallest = top.get(top.size() - 1).getValue();
            long largest = top.get(0).getValue();
            if (top.size() > 1 && smallest * IMBALANCE_RATIO <= largest) {
                long n = p.stats.examples;
                p.report(dataset("classes are imbalanced: " + visible(top.get(0).getKey()) + " has " + largest
                        + " examples (" + share(largest, n) + "), " + visible(top.get(top.size() - 1).getKey())
                        + " only " + smallest + " (" + share(smallest, n) + ")",
                        "add examples of the rare classes, or accept that the model will favour the frequent ones"));
            }
        }
    }

    /**
     * Repeats are found in pass 1 by hash (see {@link DatasetStats}) and confirmed in pass 2 by their
     * texts; they are reported at the end, in file order.
     */
    static final class Duplicate extends Rule {
        private DatasetStats stats;
        private boolean apply;

        String code() { return "duplicate"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            stats = p.stats;
            apply = p.applies(Repair.REMOVE_DUPLICATES);
        }

        @Override
        void complete(Tally tally, Consumer<Finding> out) {
            if (stats == null) {
                return;
            }
            stats.forEachRepeat((line, first) -> out.accept(at(line, null, "the same example as "
                    + (first > 0 ? "line " + first : "an earlier one"), "remove the repeated example")
                    .withRepair(Repair.REMOVE_DUPLICATES, apply)));
        }
    }

    // ---------------------------------------------------------------- one example on its own

    static final class EmptyCompletion extends Rule {
        String code() { return "empty_completion"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void examine(Example e, Consumer<Finding> out) {
            if (e instanceof Example.PromptCompletion pc && pc.completion().isBlank()) {
                out.accept(at(e.line(), "completion", pc.completion().isEmpty() ? "the completion is empty"
                        : "the completion is only whitespace, so it is empty", "write the answer, or remove the example"));
            }
        }
    }

    /** A rule on each message of a chat example and of a preference example's input. */
    abstract static class MessageRule extends Rule {
        @Override
        final void examine(Example e, Consumer<Finding> out) {
            if (e instanceof Example.Chat chat) {
                examine(chat.messages(), e.line(), "messages", out);
            } else if (e instanceof Example.Preference p) {
                examine(p.input().messages(), e.line(), "input.messages", out);
            }
        }

        void examine(List<Message> messages, long line, String path, Consumer<Finding> out) {
            for (int i = 0; i < messages.size(); i++) {
                examine(messages.get(i), line, path + "[" + i + "]", out);
            }
        }

        abstract void examine(Message m, long line, String at, Consumer<Finding> out);
    }

    static final class UnrecognizedRole extends MessageRule {
        String code() { return "unrecognized_role"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void examine(Message m, long line, String path, Consumer<Finding> out) {
            if (!ROLES.contains(m.role())) {
                out.accept(at(line, path + ".role", "unknown role '" + m.role() + "'", "use one of " + new TreeSet<>(ROLES)));
            }
        }
    }

    static final class MessageUnrecognizedKey extends MessageRule {
        String code() { return "message_unrecognized_key"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void examine(Message m, long line, String path, Consumer<Finding> out) {
            for (String k : m.extras().keySet()) {
                if (!MESSAGE_KEYS.contains(k)) {
                    out.accept(at(line, path + "." + k, "unknown message key '" + k + "'", "remove it; the API may reject it"));
                }
            }
        }
    }

    static final class MissingContent extends MessageRule {
        String code() { return "missing_content"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void examine(Message m, long line, String path, Consumer<Finding> out) {
            boolean hasCall = m.extras().containsKey("tool_calls") || m.extras().containsKey("function_call");
            String raw = m.extras().get("content");
            boolean hasParts = raw != null && raw.startsWith("[");
            if (raw != null && !hasParts) {
                out.accept(at(line, path + ".content", "the content must be a string or a list of content parts,"
                        + " found " + raw, "write the content as a string"));
            } else if (m.text().isEmpty() && !hasCall && !hasParts) {
                out.accept(at(line, path + ".content", "the " + m.role() + " message has no content",
                        "write the content, or remove the message"));
            }
        }
    }

    static final class InvalidWeight extends MessageRule {
        String code() { return "invalid_weight"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void examine(Message m, long line, String path, Consumer<Finding> out) {
            String w = m.extras().get("weight");
            if (w != null && !w.equals("0") && !w.equals("1")) {
                out.accept(at(line, path + ".weight", "weight must be 0 or 1, found " + w,
                        "use 0 to skip the message in training, 1 to train on it"));
            }
        }
    }

    static final class MissingAssistantMessage extends Rule {
        String code() { return "missing_assistant_message"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void examine(Example e, Consumer<Finding> out) {
            if (e instanceof Example.Chat chat) {
                for (Message m : chat.messages()) {
                    if (m.role().equals("assistant")) {
                        return;
                    }
                }
                out.accept(at(e.line(), "messages", "no assistant message: there is nothing to learn",
                        "add the assistant's answer"));
            }
        }
    }

    static final class InvalidPreference extends Rule {
        String code() { return "invalid_preference"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void examine(Example e, Consumer<Finding> out) {
            if (!(e instanceof Example.Preference p)) {
                return;
            }
            List<Message> in = p.input().messages();
            if (!in.isEmpty() && in.get(in.size() - 1).role().equals("assistant")) {
                out.accept(at(e.line(), "input.messages", "the input conversation ends with an assistant message",
                        "end the input with the user's turn"));
            }
            output(e.line(), "preferred_output", p.preferred(), out);
            output(e.line(), "non_preferred_output", p.nonPreferred(), out);
        }

        private void output(long line, String key, List<Message> msgs, Consumer<Finding> out) {
            if (msgs.size() != 1 || !msgs.get(0).role().equals("assistant") || msgs.get(0).text().isBlank()) {
                out.accept(at(line, key, "'" + key + "' must hold exactly one assistant message with content",
                        "give one {\"role\": \"assistant\", \"content\": ...} message"));
            }
        }
    }

    // ---------------------------------------------------------------- prompt/completion data (prepare_data)

    static final class IdenticalCompletions extends Rule {
        String code() { return "identical_completions"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void plan(Planning p) {
            if (p.completionData() && p.stats.allCompletionsSame && p.stats.pcValid > 1) {
                p.report(dataset("all completions are identical: " + visible(p.stats.firstCompletion),
                        "make the completions differ, otherwise the model will just repeat this one"));
            }
        }
    }

    static final class ExtraColumns extends Rule {
        String code() { return "extra_columns"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            if (p.completionData() && !p.stats.extraColumns.isEmpty()) {
                p.report(dataset(p.stats.withExtraColumns + " example(s) have columns/keys other than prompt and"
                        + " completion: " + p.stats.extraColumns + "; they are not written to the training file",
                        "remove them, or name the right ones as prompt and completion (DatasetOptions"
                                + " promptColumn/completionColumn; --prompt-column/--completion-column on the command line)"));
            }
        }
    }

    static final class Uppercase extends Rule {
        String code() { return "uppercase"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            if (!p.completionData()) {
                return;
            }
            boolean apply = p.applies(Repair.LOWERCASE);
            if (mostlyUpper(p.stats.promptUpper, p.stats.promptLower)) {
                p.plan.lowerPrompts = apply;
                if (apply && p.plan.promptSuffix != null) {
                    // the separator the model is trained on is the lower-cased one
                    p.plan.promptSuffix = p.plan.promptSuffix.toLowerCase(Locale.ROOT);
                }
                p.report(finding("prompt", apply));
            }
            if (mostlyUpper(p.stats.completionUpper, p.stats.completionLower)) {
                p.plan.lowerCompletions = apply;
                if (apply) {
                    // classes and stop sequences are compared after lower-casing
                    p.plan.completionSuffix = p.plan.completionSuffix.toLowerCase(Locale.ROOT);
                }
                p.report(finding("completion", apply));
            }
        }

        private static boolean mostlyUpper(long upper, long lower) {
            return upper * 2 > lower && upper > 0;
        }

        private Finding finding(String column, boolean apply) {
            return at(0, column, "more than a third of the " + column + " letters are upper case; upper-case text"
                    + " tends to train worse than normal mixed case", "lower-case the " + column
                    + "s if that makes sense in your domain").withRepair(Repair.LOWERCASE, apply);
        }
    }

    static final class PromptPrefix extends Rule {
        String code() { return "prompt_prefix"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            String prefix = p.stats.promptPrefix;
            if (!p.completionData() || p.task == TaskType.OPEN_ENDED_GENERATION || prefix == null || prefix.isEmpty()
                    || p.stats.allPromptsSame) {
                return;
            }
            if (prefix.length() <= MAX_PROMPT_PREFIX) {
                p.report(dataset(Severity.INFO, "every prompt starts with " + visible(prefix), null));
                return;
            }
            boolean apply = p.applies(Repair.REMOVE_PROMPT_PREFIX);
            p.plan.stripPromptPrefix = apply ? prefix : null;
            p.report(dataset("every prompt starts with " + visible(prefix) + "; fine-tuning needs no instruction"
                    + " or few-shot examples in the prompt, only the input", "remove the prefix from the prompts")
                    .withRepair(Repair.REMOVE_PROMPT_PREFIX, apply));
        }
    }

    /** The prompts as {@code prepare_data} reads their ending: not for open-ended generation. */
    private static boolean promptEndings(Planning p) {
        return p.completionData() && p.task != TaskType.OPEN_ENDED_GENERATION && p.plan.promptSuffix != null;
    }

    static final class IdenticalPrompts extends Rule {
        String code() { return "identical_prompts"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void plan(Planning p) {
            if (promptEndings(p) && p.stats.allPromptsSame) {
                p.report(dataset("all prompts are identical: " + visible(p.stats.firstPrompt), "leave the prompts"
                        + " empty for open-ended generation, or make them differ"));
            }
        }
    }

    static final class PromptSuffix extends Rule {
        String code() { return "prompt_suffix"; }
        Severity severity() { return Severity.INFO; }

        @Override
        void plan(Planning p) {
            String suffix = p.plan.promptSuffix;
            if (promptEndings(p) && !p.stats.allPromptsSame && !suffix.isEmpty()) {
                String msg = "every prompt ends with the separator " + visible(suffix);
                if (suffix.length() > LONG_XFIX) {
                    msg += "; it is very long, consider a shorter one such as " + visible(suggestedSeparator(p.stats));
                }
                p.report(dataset(msg, null));
            }
        }
    }

    static final class MissingSeparator extends Rule {
        String code() { return "missing_separator"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            if (promptEndings(p) && !p.stats.allPromptsSame && p.plan.promptSuffix.isEmpty()) {
                boolean apply = p.applies(Repair.ADD_SEPARATOR);
                String most = p.applies(Repair.LIKE_PREPARE_DATA) ? null
                        : DatasetStats.mostUsedEnding(DatasetStats.SEPARATORS, p.stats.promptsEndingWith, p.stats.pcValid);
                if (most != null) {
                    // most prompts have a separator already: complete it rather than append a second one
                    long without = p.stats.pcValid - p.stats.promptsEndingWith[DatasetStats.SEPARATORS.indexOf(most)];
                    p.plan.addSeparator = apply ? most : null;
                    p.plan.separatorWhereMissing = apply;
                    p.report(dataset(share(p.stats.pcValid - without, p.stats.pcValid) + " of the prompts end with the"
                            + " separator " + visible(most) + "; " + without + " do not", "end those prompts with "
                            + visible(most) + " too").withRepair(Repair.ADD_SEPARATOR, apply));
                    return;
                }
                String suggested = suggestedSeparator(p.stats);
                p.plan.addSeparator = apply ? suggested : null;
                p.report(dataset("the prompts do not end with a common separator; one makes it clear to the model"
                        + " where the completion begins", "end every prompt with " + visible(suggested)
                        + ", and end prompts with it at inference time too").withRepair(Repair.ADD_SEPARATOR, apply));
            }
        }
    }

    static String suggestedSeparator(DatasetStats s) {
        for (int i = 0; i < DatasetStats.SEPARATORS.size(); i++) {
            if ((s.separatorsUsed & 1 << i) == 0 && !(i == 0 && s.anyPromptNewline)) {
                return DatasetStats.SEPARATORS.get(i);
            }
        }
        return FALLBACK_SEPARATOR;
    }

    static final class CompletionPrefix extends Rule {
        String code() { return "completion_prefix"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            String prefix = p.stats.completionPrefix;
            if (!p.completionData() || prefix == null || prefix.length() < MIN_COMPLETION_PREFIX
                    || p.stats.allCompletionsSame) {
                return;
            }
            boolean apply = p.applies(Repair.REMOVE_COMPLETION_PREFIX);
            p.plan.stripCompletionPrefix = apply ? prefix : null;
            p.report(dataset("every completion starts with " + visible(prefix) + "; a completion should hold only"
                    + " the output", "remove the prefix from the completions")
                    .withRepair(Repair.REMOVE_COMPLETION_PREFIX, apply));
        }
    }

    /** The completions as {@code prepare_data} reads their ending: for conditional generation only. */
    private static boolean completionEndings(Planning p) {
        return p.completionData() && p.task == TaskType.CONDITIONAL_GENERATION && p.plan.completionSuffix != null
                && !p.stats.allCompletionsSame; // identical completions were reported before the task was inferred
    }

    static final class CompletionSuffix extends Rule {
        String code() { return "completion_suffix"; }
        Severity severity() { return Severity.INFO; }

        @Override
        void plan(Planning p) {
            String suffix = p.plan.completionSuffix;
            if (completionEndings(p) && !suffix.isEmpty()) {
                String msg = "every completion ends with the stop sequence " + visible(suffix);
                if (suffix.length() > LONG_XFIX) {
                    msg += "; it is very long, consider a shorter one such as " + visible(suggestedStop(p.stats));
                }
                p.report(dataset(msg, null));
            }
        }
    }

    static final class MissingStopSequence extends Rule {
        String code() { return "missing_stop_sequence"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            if (completionEndings(p) && p.plan.completionSuffix.isEmpty()) {
                boolean apply = p.applies(Repair.ADD_STOP_SEQUENCE);
                String most = p.applies(Repair.LIKE_PREPARE_DATA) ? null : DatasetStats.mostUsedEnding(
                        STOP_MARKERS, markerCounts(p.stats.completionsEndingWith), p.stats.pcValid);
                if (most != null) {
                    long without = p.stats.pcValid - p.stats.completionsEndingWith[DatasetStats.STOPS.indexOf(most)];
                    p.plan.addStop = apply ? most : null;
                    p.plan.stopWhereMissing = apply;
                    p.report(dataset(share(p.stats.pcValid - without, p.stats.pcValid) + " of the completions end with"
                            + " the stop sequence " + visible(most) + "; " + without + " do not", "end those completions"
                            + " with " + visible(most) + " too").withRepair(Repair.ADD_STOP_SEQUENCE, apply));
                    return;
                }
                String suggested = suggestedStop(p.stats);
                p.plan.addStop = apply ? suggested : null;
                p.report(dataset("the completions do not end with a common ending; one makes it clear to the model"
                        + " where to stop", "end every completion with " + visible(suggested) + " and pass it as"
                        + " stop at inference time").withRepair(Repair.ADD_STOP_SEQUENCE, apply));
            }
        }
    }

    /** Stops a majority can be completed with: a period ends sentences, not answers, so it is left out. */
    static final List<String> STOP_MARKERS = DatasetStats.STOPS.stream().filter(s -> !s.equals(".")).toList();

    private static long[] markerCounts(long[] byStop) {
        long[] out = new long[STOP_MARKERS.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = byStop[DatasetStats.STOPS.indexOf(STOP_MARKERS.get(i))];
        }
        return out;
    }

    static String suggestedStop(DatasetStats s) {
        for (int i = 0; i < DatasetStats.STOPS.size(); i++) {
            if ((s.stopsUsed & 1 << i) == 0) {
                return DatasetStats.STOPS.get(i);
            }
        }
        return FALLBACK_STOP;
    }

    static final class CompletionSpaceStart extends Rule {
        String code() { return "completion_space_start"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            if (p.completionData() && !p.stats.allCompletionsStartWithSpace) {
                boolean apply = p.applies(Repair.ADD_LEADING_SPACE);
                p.plan.addSpace = apply;
                p.report(dataset("not every completion starts with a space; a leading space tends to tokenize better",
                        "start every completion with a space").withRepair(Repair.ADD_LEADING_SPACE, apply));
            }
        }
    }

    // ---------------------------------------------------------------- chat data (the cookbook)

    static final class ChatRoles extends Rule {
        String code() { return "chat_roles"; }
        Severity severity() { return Severity.INFO; }

        @Override
        void plan(Planning p) {
            if (p.majority != Shape.CHAT || p.stats.examples == 0) {
                return;
            }
            if (p.stats.chatsWithoutSystem > 0) {
                p.report(dataset(p.stats.chatsWithoutSystem + " chat example(s) have no system message", null));
            }
            if (p.stats.chatsWithoutUser > 0) {
                p.report(dataset(p.stats.chatsWithoutUser + " chat example(s) have no user message", null));
            }
        }
    }

    // ---------------------------------------------------------------- pass 2

    static final class TooLong extends Rule {
        private BaseModel model;
        private boolean apply;

        String code() { return "too_long"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void plan(Planning p) {
            model = p.model;
            apply = p.applies(Repair.DROP_LONG);
        }

        @Override
        boolean drops(Example e, int tokens, Consumer<Finding> out) {
            if (tokens <= model.contextTokens()) {
                return false;
            }
            out.accept(at(e.line(), null, "the example has " + tokens + " tokens, more than the "
                    + model.contextTokens() + " of " + model.name(), "shorten or split it")
                    .withRepair(Repair.DROP_LONG, apply));
            return apply;
        }
    }

    static final class RepeatedSeparator extends Rule {
        private String separator;
        private long count;

        String code() { return "repeated_separator"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            String s = p.plan.promptSuffix;
            separator = p.plan.addSeparator == null && s != null && !s.isEmpty() ? s : null;
        }

        @Override
        void repaired(Example e) {
            if (separator != null && e instanceof Example.PromptCompletion pc && containsBeforeEnd(pc.prompt(), separator)) {
                count++;
            }
        }

        @Override
        void complete(Tally tally, Consumer<Finding> out) {
            if (count > 0) {
                out.accept(dataset(count + " prompt(s) contain the separator more than once",
                        "make the separator unique to the end of the prompt"));
            }
        }
    }

    static final class RepeatedStopSequence extends Rule {
        private String stop;
        private long count;

        String code() { return "repeated_stop_sequence"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void plan(Planning p) {
            String s = p.plan.completionSuffix;
            stop = p.plan.addStop == null && s != null && !s.isEmpty() && p.task == TaskType.CONDITIONAL_GENERATION
                    ? s : null;
        }

        @Override
        void repaired(Example e) {
            if (stop != null && e instanceof Example.PromptCompletion pc && containsBeforeEnd(pc.completion(), stop)) {
                count++;
            }
        }

        @Override
        void complete(Tally tally, Consumer<Finding> out) {
            if (count > 0) {
                out.accept(dataset(count + " completion(s) contain the stop sequence before their end; generation"
                        + " would stop there", "use a stop sequence that appears only at the end"));
            }
        }
    }

    private static boolean containsBeforeEnd(String text, String ending) {
        return text.length() > ending.length() && text.substring(0, text.length() - ending.length()).contains(ending);
    }

    // ---------------------------------------------------------------- counts, at the end

    static final class NoExamples extends Rule {
        String code() { return "no_examples"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void complete(Tally t, Consumer<Finding> out) {
            if (t.examples() == 0 && t.records() == 0) {
                out.accept(dataset("the dataset holds no examples", "check the file and its columns"));
            }
        }
    }

    static final class TooFewExamples extends Rule {
        String code() { return "too_few_examples"; }
        Severity severity() { return Severity.ERROR; }

        @Override
        void complete(Tally t, Consumer<Finding> out) {
            if ((t.examples() > 0 || t.records() > 0) && t.training() < Validator.MIN_EXAMPLES) {
                out.accept(dataset(t.training() + " example(s) kept for training (" + t.examples() + " read);"
                        + " fine-tuning needs at least " + Validator.MIN_EXAMPLES, "add examples"));
            }
        }
    }

    static final class NumExamples extends Rule {
        String code() { return "num_examples"; }
        Severity severity() { return Severity.WARNING; }

        @Override
        void complete(Tally t, Consumer<Finding> out) {
            if (t.examples() == 0 && t.records() == 0 || t.training() < Validator.MIN_EXAMPLES) {
                return;
            }
            if (t.examples() < Validator.RECOMMENDED_EXAMPLES) {
                out.accept(dataset("the dataset has " + t.examples() + " examples. In general, we recommend having"
                        + " at least a few hundred examples: performance tends to increase linearly with every"
                        + " doubling of the number of examples", "add examples"));
            } else {
                out.accept(dataset(Severity.INFO, "the dataset has " + t.examples() + " examples", null));
            }
        }
    }
}
