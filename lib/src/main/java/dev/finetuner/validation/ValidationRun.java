package dev.finetuner.validation;

import dev.finetuner.model.TaskType;
import dev.finetuner.dataset.Dataset;
import dev.finetuner.dataset.DatasetFormat;
import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;
import dev.finetuner.dataset.ReadIssue;
import dev.finetuner.dataset.Split;
import dev.finetuner.internal.Hash64;
import dev.finetuner.internal.LongLongMap;
import dev.finetuner.internal.Prefetcher;
import dev.finetuner.model.BaseModel;
import dev.finetuner.model.ExampleFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.stream.IntStream;

/** One validation of one dataset: the two passes and the report. Not thread-safe; used once. */
final class ValidationRun {
    private static final Logger LOG = LoggerFactory.getLogger(ValidationRun.class);
    /** prepare_data's candidate separators, in its order of preference. */
    static final List<String> SEPARATORS = List.of(" ->", "\n\n###\n\n", "\n\n===\n\n", "\n\n---\n\n",
            "\n\n===>\n\n", "\n\n--->\n\n");
    static final String FALLBACK_SEPARATOR = "\n\n### =>\n\n";
    /** prepare_data's candidate stop sequences, in its order of preference. */
    static final List<String> STOPS = List.of("\n", ".", " END", "***", "+++", "&&&", "$$$", "@@@", "%%%");
    static final String FALLBACK_STOP = " [END]";
    static final int MAX_PROMPT_PREFIX = 12;
    static final int MIN_COMPLETION_PREFIX = 5;
    static final int LONG_XFIX = 10;
    static final int MAX_CLASSES_TRACKED = 10_000;
    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    static final Set<String> MESSAGE_KEYS = Set.of("role", "content", "name", "function_call", "weight",
            "tool_calls", "tool_call_id", "refusal");
    private static final int BATCH = 2048;

    private final Validator v;
    private final Dataset dataset;
    private final Validator.Output output;
    private final Findings findings;
    /** Digests and token counts run here, beside the reading thread; shut down when the run ends. */
    private final ForkJoinPool workers = new ForkJoinPool(Runtime.getRuntime().availableProcessors());

    // pass 1
    private long records;
    private long unreadable;
    private long examples;
    private final long[] typeCounts = new long[3];
    private final long[] typeFirstLine = {-1, -1, -1};
    /** Example hash to the line of its first occurrence: duplicates are found without holding texts. */
    private final LongLongMap firstByHash = new LongLongMap(1 << 12);
    /** Ordinals of examples that repeat an earlier one: pass 2 drops these without hashing again. */
    private final BitSet repeats = new BitSet();
    /** Ordinals of examples with an error finding of their own: pass 2 drops these without checking again. */
    private final BitSet invalids = new BitSet();
    private long duplicates;
    private long invalidExamples;
    private final Set<String> extraColumns = new LinkedHashSet<>();
    private long withExtraColumns;
    private long pcValid;
    private String promptPrefix;
    private String promptSuffix;
    private String completionPrefix;
    private String completionSuffix;
    private String firstPrompt;
    private boolean allPromptsSame = true;
    private String firstCompletion;
    private boolean allCompletionsSame = true;
    private long promptChars;
    private boolean anyPromptNewline;
    private int separatorsUsed; // bit i: some prompt contains SEPARATORS[i]
    private int stopsUsed; // bit i: some completion contains STOPS[i]
    private final long[] upperLower = new long[4]; // prompt upper, prompt lower, completion upper, completion lower
    private boolean allCompletionsStartWithSpace = true;
    private final Map<String, Long> classes = new HashMap<>();
    private final long[] keptByType = new long[3];
    @SuppressWarnings("unchecked")
    private final Map<String, Long>[] strataByType = new Map[] {new HashMap<>(), new HashMap<>(), new HashMap<>()};
    private boolean classesOverflow;
    private long chatsWithoutSystem;
    private long chatsWithoutUser;

    // plan
    private BaseModel model;
    private int majorityType;
    private TaskType task;
    private String addSeparator;
    private String addStop;
    private boolean addSpace;
    private boolean lowerPrompts;
    private boolean lowerCompletions;
    private String stripPromptPrefix;
    private String stripCompletionPrefix;

    // pass 2
    private long ordinal;
    private long kept;
    private long repaired;
    private long droppedByRepair;
    private long training;
    private long validation;
    private long tokensTotal;
    private long tokensTraining;
    private long tokensTrainingCapped;
    private long tokensMax;
    private long repeatedSeparator;
    private long repeatedStop;
    private List<Check> userChecks;

    ValidationRun(Validator v, Dataset dataset, Validator.Output output) {
        this.v = v;
        this.dataset = dataset;
        this.output = output;
        this.findings = new Findings(v);
    }

    ValidationReport run() {
        long start = System.nanoTime();
        long analysed;
        try {
            analyse();
            plan();
            analysed = System.nanoTime();
            emit();
            countFindings();
        } finally {
            workers.shutdownNow();
            awaitWorkers();
        }
        ValidationReport report = report();
        LOG.debug("validated {}: pass 1 (statistics) {} ms, pass 2 (repairs, tokens, output) {} ms",
                dataset, (analysed - start) / 1_000_000, (System.nanoTime() - analysed) / 1_000_000);
        return report;
    }

    private void awaitWorkers() {
        boolean interrupted = false;
        while (!workers.isTerminated()) {
            try {
                workers.awaitTermination(1, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- pass 1: statistics

    private void analyse() {
        List<Example> batch = new ArrayList<>(BATCH);
        ForkJoinTask<Digest[]> previous = null;
        List<Example> previousBatch = null;
        try (Prefetcher<Example> in = read()) {
            while (in.hasNext()) {
                Object o = in.next();
                if (o instanceof Example e) {
                    batch.add(e);
                    if (batch.size() == BATCH) {
                        // digest this batch on the workers while this thread takes the previous one in order
                        ForkJoinTask<Digest[]> next = digestAsync(batch);
                        analyse(previousBatch, previous);
                        previous = next;
                        previousBatch = batch;
                        batch = new ArrayList<>(BATCH);
                    }
                } else {
                    // issues are counted, not ordered against examples: findings are sorted by line
                    readIssue((ReadIssue) o);
                }
            }
        }
        analyse(previousBatch, previous);
        analyse(batch, digestAsync(batch));
    }

    private ForkJoinTask<Digest[]> digestAsync(List<Example> batch) {
        return workers.submit(() -> {
            Digest[] digests = new Digest[batch.size()];
            IntStream.range(0, batch.size()).parallel().forEach(i -> digests[i] = digest(batch.get(i)));
            return digests;
        });
    }

    /** Takes a digested batch, in order. */
    private void analyse(List<Example> batch, ForkJoinTask<Digest[]> digests) {
        if (batch == null) {
            return;
        }
        Digest[] d = digests.join();
        for (int i = 0; i < d.length; i++) {
            analyse(batch.get(i), d[i]);
        }
    }

    /** What pass 1 needs of an example that can be computed on any thread. */
    private record Digest(long hash, List<Finding> errors, long promptUpper, long promptLower, long completionUpper,
                          long completionLower, int separatorsUsed, int stopsUsed) {
    }

    private Digest digest(Example e) {
        List<Finding> errors = exampleErrors(e);
        if (!(e instanceof Example.PromptCompletion pc)) {
            return new Digest(hash(e), errors, 0, 0, 0, 0, 0, 0);
        }
        String p = pc.prompt();
        String c = pc.completion();
        int seps = 0;
        for (int i = 0; i < SEPARATORS.size(); i++) {
            seps |= p.contains(SEPARATORS.get(i)) ? 1 << i : 0;
        }
        int stops = 0;
        for (int i = 0; i < STOPS.size(); i++) {
            stops |= c.contains(STOPS.get(i)) ? 1 << i : 0;
        }
        long pCase = countCase(p);
        long cCase = countCase(c);
        return new Digest(hash(e), errors, pCase >>> 32, pCase & 0xFFFFFFFFL, cCase >>> 32, cCase & 0xFFFFFFFFL,
                seps, stops);
    }

    /** Reads the dataset on another thread, so parsing overlaps with checking and counting. */
    private Prefetcher<Example> read() {
        return new Prefetcher<>("finetuner-read", events -> dataset.stream(events::accept));
    }

    private void readIssue(ReadIssue issue) {
        boolean fileLevel = Set.of("empty_file", "missing_column", "missing_sheet").contains(issue.code());
        if (issue.error() && !fileLevel) {
            records++;
            unreadable++;
        }
        Severity sev = issue.error() ? Severity.ERROR : noteSeverity(issue.code());
        String fix = switch (issue.code()) {
            case "invalid_json" -> "correct the line so it is one JSON object";
            case "ragged_row" -> "quote cells that contain the separator; give every row as many cells as the header";
            case "invalid_utf8" -> "re-save the file as UTF-8";
            case "empty_line" -> "remove empty lines";
            case "empty_file", "missing_column", "missing_sheet" -> null;
            default -> issue.error() ? "correct or remove the record" : null;
        };
        Finding f = new Finding(issue.code(), sev, issue.line(), issue.field(), issue.message(),
                Optional.ofNullable(fix), Optional.empty(), false);
        if (issue.error() && !fileLevel) {
            f = f.withRepair(Repair.DROP_INVALID, v.applies(Repair.DROP_INVALID));
        }
        findings.add(f);
    }

    private static Severity noteSeverity(String code) {
        return switch (code) {
            case "bom", "jsonl_in_json_file", "column_case", "empty_sheet", "other_sheets" -> Severity.INFO;
            default -> Severity.WARNING;
        };
    }

    private void analyse(Example e, Digest d) {
        records++;
        examples++;
        int t = typeIndex(e);
        typeCounts[t]++;
        if (typeFirstLine[t] < 0) {
            typeFirstLine[t] = e.line();
        }
        long ord = examples - 1;
        boolean invalid = false;
        for (Finding f : d.errors()) {
            invalid |= f.severity() == Severity.ERROR;
            findings.add(f);
        }
        if (invalid) {
            invalidExamples++;
            invalids.set(Math.toIntExact(ord));
        }
        long first = firstByHash.putIfAbsent(d.hash(), e.line());
        boolean repeat = first >= 0;
        boolean dropped = invalid && v.applies(Repair.DROP_INVALID)
                || repeat && v.applies(Repair.REMOVE_DUPLICATES) && v.enabled("duplicate");
        if (!dropped) {
            // what pass 2 will keep, by format and class: the split is planned on these counts
            keptByType[t]++;
            if (strataByType[t] != null) {
                strataByType[t].merge(Split.completionClass(e), 1L, Long::sum);
                if (strataByType[t].size() > MAX_CLASSES_TRACKED) {
                    strataByType[t] = null;
                }
            }
        }
        if (repeat) {
            duplicates++;
            repeats.set(Math.toIntExact(ord));
            if (v.enabled("duplicate")) {
                long firstLine = first;
                findings.add(Finding.at(e.line(), "duplicate", Severity.WARNING, null,
                        "the same example as " + (firstLine > 0 ? "line " + firstLine : "an earlier one"),
                        "remove the repeated example")
                        .withRepair(Repair.REMOVE_DUPLICATES, v.applies(Repair.REMOVE_DUPLICATES)));
            }
        }
        if (!invalid) {
            aggregate(e, d, !dropped);
        }
    }


    private void aggregate(Example e, Digest d, boolean kept) {
        if (e instanceof Example.PromptCompletion pc) {
            pcValid++;
            if (!pc.extras().isEmpty()) {
                withExtraColumns++;
                if (extraColumns.size() < 50) {
                    extraColumns.addAll(pc.extras().keySet());
                }
            }
            String p = pc.prompt();
            String c = pc.completion();
            if (firstPrompt == null) {
                firstPrompt = p;
                firstCompletion = c;
                promptPrefix = p;
                promptSuffix = p;
                completionPrefix = c;
                completionSuffix = c;
            } else {
                allPromptsSame &= p.equals(firstPrompt);
                allCompletionsSame &= c.equals(firstCompletion);
                promptPrefix = commonPrefix(promptPrefix, p);
                promptSuffix = commonSuffix(promptSuffix, p);
                completionPrefix = commonPrefix(completionPrefix, c);
                completionSuffix = commonSuffix(completionSuffix, c);
            }
            promptChars += p.length();
            anyPromptNewline |= p.indexOf('\n') >= 0;
            separatorsUsed |= d.separatorsUsed();
            stopsUsed |= d.stopsUsed();
            upperLower[0] += d.promptUpper();
            upperLower[1] += d.promptLower();
            upperLower[2] += d.completionUpper();
            upperLower[3] += d.completionLower();
            allCompletionsStartWithSpace &= c.startsWith(" ");
        } else if (e instanceof Example.Chat chat) {
            boolean system = false;
            boolean user = false;
            for (Message m : chat.messages()) {
                system |= m.role().equals("system") || m.role().equals("developer");
                user |= m.role().equals("user");
            }
            chatsWithoutSystem += system ? 0 : 1;
            chatsWithoutUser += user ? 0 : 1;
        }
        if (!classesOverflow && kept) {
            classes.merge(Split.completionClass(e), 1L, Long::sum);
            if (classes.size() > MAX_CLASSES_TRACKED) {
                classesOverflow = true;
                classes.clear();
            }
        }
    }

    /** Upper-case letters in the high 32 bits, lower-case in the low 32. */
    private static long countCase(String s) {
        int upper = 0;
        int lower = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 128) { // the common case, without the Unicode tables
                int k = ASCII_CASE[ch];
                upper += k & 1;
                lower += k >> 1;
            } else if (Character.isUpperCase(ch)) {
                upper++;
            } else if (Character.isLowerCase(ch)) {
                lower++;
            }
        }
        return ((long) upper << 32) | lower;
    }

    private static final byte[] ASCII_CASE = new byte[128];

    static {
        for (char ch = 'A'; ch <= 'Z'; ch++) {
            ASCII_CASE[ch] = 1;
            ASCII_CASE[Character.toLowerCase(ch)] = 2;
        }
    }

    static String commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i == a.length() ? a : a.substring(0, i);
    }

    static String commonSuffix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(a.length() - 1 - i) == b.charAt(b.length() - 1 - i)) {
            i++;
        }
        return i == a.length() ? a : a.substring(a.length() - i);
    }

    private static int typeIndex(Example e) {
        return e instanceof Example.PromptCompletion ? 0 : e instanceof Example.Chat ? 1 : 2;
    }

    private static final String[] TYPE_NAMES = {"prompt_completion", "chat", "preference"};

    private static long hash(Example e) {
        Hash64 h = new Hash64();
        if (e instanceof Example.PromptCompletion pc) {
            h.add("pc").add(pc.prompt()).add(pc.completion());
        } else if (e instanceof Example.Chat c) {
            h.add("chat");
            addChat(h, c);
        } else {
            Example.Preference p = (Example.Preference) e;
            h.add("pref");
            addChat(h, p.input());
            p.extras().forEach((k, val) -> h.add(k).add(val));
            h.add("|");
            addMessages(h, p.preferred());
            h.add("|");
            addMessages(h, p.nonPreferred());
        }
        return h.value();
    }

    private static void addChat(Hash64 h, Example.Chat c) {
        addMessages(h, c.messages());
        h.add("|tools").add(c.tools().orElse(""));
        c.extras().forEach((k, val) -> h.add(k).add(val));
    }

    private static void addMessages(Hash64 h, List<Message> messages) {
        for (Message m : messages) {
            h.add(m.role()).add(m.text());
            m.extras().forEach((k, val) -> h.add(k).add(val));
        }
    }

    /** The findings on one example on its own (structure and content); empty when it has none. Thread-safe. */
    List<Finding> exampleErrors(Example e) {
        List<Finding> found = new ArrayList<>(0);
        long line = e.line();
        if (e instanceof Example.PromptCompletion pc) {
            if (pc.completion().isBlank() && v.enabled("empty_completion")) {
                found.add(Finding.at(line, "empty_completion", Severity.ERROR, "completion",
                        "the completion is empty", "write the answer, or remove the example"));
            }
        } else if (e instanceof Example.Chat chat) {
            messageErrors(chat.messages(), line, "messages", true, found);
        } else {
            Example.Preference p = (Example.Preference) e;
            List<Message> in = p.input().messages();
            messageErrors(in, line, "input.messages", false, found);
            if (!in.isEmpty() && in.get(in.size() - 1).role().equals("assistant") && v.enabled("invalid_preference")) {
                found.add(Finding.at(line, "invalid_preference", Severity.ERROR, "input.messages",
                        "the input conversation ends with an assistant message", "end the input with the user's turn"));
            }
            for (var out2 : List.of(Map.entry("preferred_output", p.preferred()),
                    Map.entry("non_preferred_output", p.nonPreferred()))) {
                List<Message> msgs = out2.getValue();
                if (v.enabled("invalid_preference") && (msgs.size() != 1 || !msgs.get(0).role().equals("assistant")
                        || msgs.get(0).text().isBlank())) {
                    found.add(Finding.at(line, "invalid_preference", Severity.ERROR, out2.getKey(),
                            "'" + out2.getKey() + "' must hold exactly one assistant message with content",
                            "give one {\"role\": \"assistant\", \"content\": ...} message"));
                }
            }
        }
        found.replaceAll(f -> f.severity() == Severity.ERROR
                ? f.withRepair(Repair.DROP_INVALID, v.applies(Repair.DROP_INVALID)) : f);
        return found;
    }



    private void messageErrors(List<Message> messages, long line, String path, boolean needsAssistant,
                               List<Finding> found) {
        boolean assistant = false;
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            String at = path + "[" + i + "]";
            assistant |= m.role().equals("assistant");
            if (!ROLES.contains(m.role()) && v.enabled("unrecognized_role")) {
                found.add(Finding.at(line, "unrecognized_role", Severity.ERROR, at + ".role",
                        "unknown role '" + m.role() + "'", "use one of " + new java.util.TreeSet<>(ROLES)));
            }
            for (String k : m.extras().keySet()) {
                if (!MESSAGE_KEYS.contains(k) && v.enabled("message_unrecognized_key")) {
                    found.add(Finding.at(line, "message_unrecognized_key", Severity.WARNING, at + "." + k,
                            "unknown message key '" + k + "'", "remove it; the API may reject it"));
                }
            }
            boolean hasCall = m.extras().containsKey("tool_calls") || m.extras().containsKey("function_call");
            String raw = m.extras().get("content");
            boolean hasParts = raw != null && raw.startsWith("[");
            if (raw != null && !hasParts && v.enabled("missing_content")) {
                found.add(Finding.at(line, "missing_content", Severity.ERROR, at + ".content",
                        "the content must be a string or a list of content parts, found " + raw,
                        "write the content as a string"));
            } else if (m.text().isEmpty() && !hasCall && !hasParts && v.enabled("missing_content")) {
                found.add(Finding.at(line, "missing_content", Severity.ERROR, at + ".content",
                        "the " + m.role() + " message has no content", "write the content, or remove the message"));
            }
            String w = m.extras().get("weight");
            if (w != null && !w.equals("0") && !w.equals("1") && v.enabled("invalid_weight")) {
                found.add(Finding.at(line, "invalid_weight", Severity.ERROR, at + ".weight",
                        "weight must be 0 or 1, found " + w, "use 0 to skip the message in training, 1 to train on it"));
            }
        }
        if (needsAssistant && !assistant && v.enabled("missing_assistant_message")) {
            found.add(Finding.at(line, "missing_assistant_message", Severity.ERROR, path,
                    "no assistant message: there is nothing to learn", "add the assistant's answer"));
        }
    }

    // ---------------------------------------------------------------- plan: dataset-wide findings and repairs

    private void plan() {
        majorityType = 0;
        for (int t = 1; t < 3; t++) {
            if (typeCounts[t] > typeCounts[majorityType]) {
                majorityType = t;
            }
        }
        resolveModel();
        long mixed = examples - typeCounts[majorityType];
        if (mixed > 0 && v.enabled("mixed_formats")) {
            for (int t = 0; t < 3; t++) {
                if (t != majorityType && typeCounts[t] > 0) {
                    findings.add(Finding.at(typeFirstLine[t], "mixed_formats", Severity.ERROR, null,
                            typeCounts[t] + " " + TYPE_NAMES[t] + " example(s) (the first here) in a file of "
                                    + TYPE_NAMES[majorityType] + " examples; one file must hold one format",
                            "keep one format per file").withRepair(Repair.DROP_INVALID, v.applies(Repair.DROP_INVALID)));
                }
            }
        }
        inferTask();
        if (majorityType == 0 && pcValid > 0) {
            completionFindings();
        } else if (majorityType == 1 && examples > 0 && v.enabled("chat_roles")) {
            if (chatsWithoutSystem > 0) {
                findings.add(Finding.dataset("chat_roles", Severity.INFO, chatsWithoutSystem
                        + " chat example(s) have no system message", null));
            }
            if (chatsWithoutUser > 0) {
                findings.add(Finding.dataset("chat_roles", Severity.INFO, chatsWithoutUser
                        + " chat example(s) have no user message", null));
            }
        }
    }

    private void resolveModel() {
        String requested = v.model().orElse(majorityType == 0 ? BaseModel.DAVINCI_002.name() : BaseModel.GPT_4O_MINI.name());
        BaseModel.Resolution res = BaseModel.resolve(requested);
        model = res.model();
        if (res.warning().isPresent()) {
            findings.add(Finding.dataset(res.model().known() ? "legacy_model" : "unknown_model",
                    res.model().known() ? Severity.INFO : Severity.WARNING, res.warning().get(),
                    res.model().known() ? null : "name a model of the catalogue for exact limits and prices"));
        }
        if (examples == 0) {
            return;
        }
        boolean chatData = majorityType != 0;
        if (chatData != (model.format() == ExampleFormat.CHAT) && v.enabled("model_format")) {
            findings.add(Finding.dataset("model_format", Severity.ERROR, model.name() + " trains on "
                    + (model.format() == ExampleFormat.CHAT ? "chat" : "prompt/completion") + " examples, but the file holds "
                    + TYPE_NAMES[majorityType] + " examples", chatData
                    ? "choose a chat model such as " + BaseModel.GPT_4O_MINI.name()
                    : "choose davinci-002 or babbage-002, or convert the examples to chat"));
        }
    }

    private void countFindings() {
        if (examples == 0 && records == 0) {
            findings.add(Finding.dataset("no_examples", Severity.ERROR, "the dataset holds no examples",
                    "check the file and its columns"));
        } else if (training < Validator.MIN_EXAMPLES) {
            findings.add(Finding.dataset("too_few_examples", Severity.ERROR, training + " example(s) kept for training ("
                    + examples + " read); fine-tuning needs at least " + Validator.MIN_EXAMPLES, "add examples"));
        } else if (examples < Validator.RECOMMENDED_EXAMPLES) {
            findings.add(Finding.dataset("num_examples", Severity.WARNING, "the dataset has " + examples
                    + " examples. In general, we recommend having at least a few hundred examples: performance tends"
                    + " to increase linearly with every doubling of the number of examples", "add examples"));
        } else {
            findings.add(Finding.dataset("num_examples", Severity.INFO, "the dataset has " + examples + " examples", null));
        }
    }

    private void inferTask() {
        long n = classes.values().stream().mapToLong(Long::longValue).sum();
        // an overflowing class table has too many answers to be classification
        task = TaskType.infer(n, classesOverflow ? n : classes.size(), majorityType == 0 && pcValid > 0 && promptChars == 0);
        if (!v.enabled("task_type") || examples == 0) {
            return;
        }
        if (task == TaskType.CLASSIFICATION) {
            List<Map.Entry<String, Long>> top = sortedClasses();
            StringBuilder msg = new StringBuilder("looks like classification: ").append(classes.size())
                    .append(" classes");
            if (classes.size() == 2) {
                msg.append("; the positive class (the most frequent) is ")
                        .append(ValidationReport.visible(top.get(0).getKey()));
            }
            String advice = "for classification, " + BaseModel.BABBAGE_002.name() + " is faster and cheaper;"
                    + (v.validationFraction() > 0 ? "" : " hold out a validation split (e.g. 0.2) to measure accuracy;")
                    + " a one-token class label (after a leading space) makes evaluation exact";
            findings.add(Finding.dataset("task_type", Severity.INFO, msg.toString(), advice));
            long smallest = top.get(top.size() - 1).getValue();
            long largest = top.get(0).getValue();
            if (classes.size() > 1 && smallest * 10 < largest && v.enabled("class_balance")) {
                findings.add(Finding.dataset("class_balance", Severity.WARNING, "classes are imbalanced: "
                        + ValidationReport.visible(top.get(0).getKey()) + " has " + largest + " examples, "
                        + ValidationReport.visible(top.get(top.size() - 1).getKey()) + " only " + smallest,
                        "add examples of the rare classes, or accept that the model will favour the frequent ones"));
            }
        } else {
            findings.add(Finding.dataset("task_type", Severity.INFO, "looks like "
                    + task.name().toLowerCase(Locale.ROOT).replace('_', ' '), null));
        }
    }

    private List<Map.Entry<String, Long>> sortedClasses() {
        return classes.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .toList();
    }

    private void completionFindings() {
        if (allCompletionsSame && pcValid > 1) {
            findings.add(Finding.dataset("identical_completions", Severity.ERROR, "all completions are identical: "
                    + ValidationReport.visible(firstCompletion), "make the completions differ, otherwise the model"
                    + " will just repeat this one"));
        }
        if (!extraColumns.isEmpty() && v.enabled("extra_columns")) {
            findings.add(Finding.dataset("extra_columns", Severity.WARNING, withExtraColumns
                    + " example(s) have columns/keys other than prompt and completion: " + extraColumns
                    + "; they are not written to the training file", "remove them, or map the right ones with"
                    + " promptColumn(...)/completionColumn(...)"));
        }
        caseFinding("prompt", upperLower[0], upperLower[1]);
        caseFinding("completion", upperLower[2], upperLower[3]);
        boolean openEnded = task == TaskType.OPEN_ENDED_GENERATION;
        if (!openEnded) {
            promptPrefixFinding();
            promptSuffixFinding();
        }
        completionPrefixFinding();
        if (!openEnded && task != TaskType.CLASSIFICATION) {
            completionSuffixFinding();
        }
        if (!allCompletionsStartWithSpace && v.enabled("completion_space_start")) {
            addSpace = v.applies(Repair.ADD_LEADING_SPACE);
            findings.add(Finding.dataset("completion_space_start", Severity.WARNING,
                    "not every completion starts with a space; a leading space tends to tokenize better",
                    "start every completion with a space").withRepair(Repair.ADD_LEADING_SPACE, addSpace));
        }
    }

    private void caseFinding(String column, long upper, long lower) {
        if (upper * 2 > lower && upper > 0 && v.enabled("uppercase")) {
            boolean apply = v.applies(Repair.LOWERCASE);
            if (column.equals("prompt")) {
                lowerPrompts = apply;
                if (apply && promptSuffix != null) {
                    // the separator the model is trained on is the lower-cased one
                    promptSuffix = promptSuffix.toLowerCase(Locale.ROOT);
                }
            } else {
                lowerCompletions = apply;
                if (apply) {
                    // classes and stop sequences are compared after lower-casing
                    completionSuffix = completionSuffix.toLowerCase(Locale.ROOT);
                }
            }
            findings.add(new Finding("uppercase", Severity.WARNING, 0, Optional.of(column), "more than a third of the "
                    + column + " letters are upper case; upper-case text tends to train worse than normal mixed case",
                    Optional.of("lower-case the " + column + "s if that makes sense in your domain"),
                    Optional.empty(), false).withRepair(Repair.LOWERCASE, apply));
        }
    }

    private void promptPrefixFinding() {
        if (promptPrefix == null || promptPrefix.isEmpty() || allPromptsSame || !v.enabled("prompt_prefix")) {
            return;
        }
        if (promptPrefix.length() > MAX_PROMPT_PREFIX) {
            boolean apply = v.applies(Repair.REMOVE_PROMPT_PREFIX);
            stripPromptPrefix = apply ? promptPrefix : null;
            findings.add(Finding.dataset("prompt_prefix", Severity.WARNING, "every prompt starts with "
                    + ValidationReport.visible(promptPrefix) + "; fine-tuning needs no instruction or few-shot"
                    + " examples in the prompt, only the input", "remove the prefix from the prompts")
                    .withRepair(Repair.REMOVE_PROMPT_PREFIX, apply));
        } else {
            findings.add(Finding.dataset("prompt_prefix", Severity.INFO, "every prompt starts with "
                    + ValidationReport.visible(promptPrefix), null));
        }
    }

    private void promptSuffixFinding() {
        if (promptSuffix == null) {
            return;
        }
        if (allPromptsSame) {
            findings.add(Finding.dataset("identical_prompts", Severity.ERROR, "all prompts are identical: "
                    + ValidationReport.visible(firstPrompt), "leave the prompts empty for open-ended generation,"
                    + " or make them differ"));
            return;
        }
        String suggested = suggestedSeparator();
        if (!promptSuffix.isEmpty()) {
            String msg = "every prompt ends with the separator " + ValidationReport.visible(promptSuffix);
            if (promptSuffix.length() > LONG_XFIX) {
                msg += "; it is very long, consider a shorter one such as " + ValidationReport.visible(suggested);
            }
            findings.add(Finding.dataset("prompt_suffix", Severity.INFO, msg, null));
            return;
        }
        boolean apply = v.applies(Repair.ADD_SEPARATOR) && v.enabled("missing_separator");
        addSeparator = apply ? suggested : null;
        findings.add(Finding.dataset("missing_separator", Severity.WARNING, "the prompts do not end with a common"
                + " separator; one makes it clear to the model where the completion begins",
                "end every prompt with " + ValidationReport.visible(suggested) + ", and end prompts with it at"
                        + " inference time too").withRepair(Repair.ADD_SEPARATOR, apply));
    }

    private String suggestedSeparator() {
        for (int i = 0; i < SEPARATORS.size(); i++) {
            if ((separatorsUsed & 1 << i) == 0 && !(i == 0 && anyPromptNewline)) {
                return SEPARATORS.get(i);
            }
        }
        return FALLBACK_SEPARATOR;
    }

    private void completionPrefixFinding() {
        if (completionPrefix == null || completionPrefix.length() < MIN_COMPLETION_PREFIX || allCompletionsSame
                || !v.enabled("completion_prefix")) {
            return;
        }
        boolean apply = v.applies(Repair.REMOVE_COMPLETION_PREFIX);
        stripCompletionPrefix = apply ? completionPrefix : null;
        findings.add(Finding.dataset("completion_prefix", Severity.WARNING, "every completion starts with "
                + ValidationReport.visible(completionPrefix) + "; a completion should hold only the output",
                "remove the prefix from the completions").withRepair(Repair.REMOVE_COMPLETION_PREFIX, apply));
    }

    private void completionSuffixFinding() {
        if (completionSuffix == null || allCompletionsSame) {
            return; // identical completions were reported before the task was inferred
        }
        String suggested = suggestedStop();
        if (!completionSuffix.isEmpty()) {
            String msg = "every completion ends with the stop sequence " + ValidationReport.visible(completionSuffix);
            if (completionSuffix.length() > LONG_XFIX) {
                msg += "; it is very long, consider a shorter one such as " + ValidationReport.visible(suggested);
            }
            findings.add(Finding.dataset("completion_suffix", Severity.INFO, msg, null));
            return;
        }
        boolean apply = v.applies(Repair.ADD_STOP_SEQUENCE) && v.enabled("missing_stop_sequence");
        addStop = apply ? suggested : null;
        findings.add(Finding.dataset("missing_stop_sequence", Severity.WARNING, "the completions do not end with a"
                + " common ending; one makes it clear to the model where to stop",
                "end every completion with " + ValidationReport.visible(suggested) + " and pass it as stop at"
                        + " inference time").withRepair(Repair.ADD_STOP_SEQUENCE, apply));
    }

    private String suggestedStop() {
        for (int i = 0; i < STOPS.size(); i++) {
            if ((stopsUsed & 1 << i) == 0) {
                return STOPS.get(i);
            }
        }
        return FALLBACK_STOP;
    }

    // ---------------------------------------------------------------- pass 2: repair, count, split, output

    private void emit() {
        userChecks = v.checks().stream().map(s -> (Check) s.get()).toList();
        Map<String, Long> strata = new HashMap<>();
        long expected = 0;
        boolean stratify = task == TaskType.CLASSIFICATION;
        for (int t = 0; t < 3; t++) {
            if (t == majorityType || !v.applies(Repair.DROP_INVALID)) {
                expected += keptByType[t];
                if (strataByType[t] == null) {
                    stratify = false;
                } else {
                    strataByType[t].forEach((k, n) -> strata.merge(k, n, Long::sum));
                }
            }
        }
        Split.Assigner assigner = v.validationFraction() <= 0 ? null : Split.of(v.validationFraction(), v.seed())
                .assigner(stratify ? strata : Map.of("", expected));
        TokenCounter counter = TokenCounter.forModel(model);
        Batch batch = new Batch();
        Batch previous = null;
        try (Prefetcher<Example> in = read()) {
            while (in.hasNext()) {
                if (!(in.next() instanceof Example e)) {
                    continue; // read issues were reported by the first pass
                }
                long ord = ordinal++;
                Example out = repairOrDrop(e, ord);
                if (out == null) {
                    continue;
                }
                batch.add(out, stratify ? Split.completionClass(e) : "", out != e);
                if (batch.size() == BATCH) {
                    // count this batch on the workers while this thread writes out the previous one
                    batch.countAsync(counter);
                    finish(previous, assigner);
                    previous = batch;
                    batch = new Batch();
                }
            }
        }
        finish(previous, assigner);
        batch.countAsync(counter);
        finish(batch, assigner);
        if (repeatedSeparator > 0) {
            findings.add(Finding.dataset("repeated_separator", Severity.WARNING, repeatedSeparator
                    + " prompt(s) contain the separator more than once", "make the separator unique to the end of the prompt"));
        }
        if (repeatedStop > 0) {
            findings.add(Finding.dataset("repeated_stop_sequence", Severity.WARNING, repeatedStop
                    + " completion(s) contain the stop sequence before their end; generation would stop there",
                    "use a stop sequence that appears only at the end"));
        }
        for (Check c : userChecks) {
            c.complete(findings::add);
        }
    }

    private Example repairOrDrop(Example e, long ord) {
        boolean drop = false;
        if (v.applies(Repair.DROP_INVALID)) {
            drop = typeIndex(e) != majorityType || invalids.get(Math.toIntExact(ord));
        }
        if (!drop && v.applies(Repair.REMOVE_DUPLICATES) && v.enabled("duplicate")) {
            drop = repeats.get(Math.toIntExact(ord));
        }
        if (drop) {
            droppedByRepair++;
            return null;
        }
        if (e instanceof Example.PromptCompletion pc) {
            String p = pc.prompt();
            String c = pc.completion();
            // prefixes were found in the original text: remove them before lower-casing changes it
            if (stripPromptPrefix != null && p.startsWith(stripPromptPrefix)) {
                p = p.substring(stripPromptPrefix.length());
            }
            if (stripCompletionPrefix != null && c.startsWith(stripCompletionPrefix)) {
                c = c.substring(stripCompletionPrefix.length());
                if (stripCompletionPrefix.startsWith(" ") && !c.startsWith(" ")) {
                    c = " " + c;
                }
            }
            if (lowerPrompts) {
                p = p.toLowerCase(Locale.ROOT);
            }
            if (lowerCompletions) {
                c = c.toLowerCase(Locale.ROOT);
            }
            if (addSeparator != null) {
                p = p + addSeparator;
            } else if (promptSuffix != null && !promptSuffix.isEmpty() && p.length() > promptSuffix.length()
                    && p.substring(0, p.length() - promptSuffix.length()).contains(promptSuffix)) {
                repeatedSeparator++;
            }
            if (addSpace && !c.startsWith(" ")) {
                c = " " + c;
            }
            if (addStop != null) {
                c = c + addStop;
            } else if (completionSuffix != null && !completionSuffix.isEmpty() && task == TaskType.CONDITIONAL_GENERATION
                    && c.length() > completionSuffix.length()
                    && c.substring(0, c.length() - completionSuffix.length()).contains(completionSuffix)) {
                repeatedStop++;
            }
            if (!p.equals(pc.prompt()) || !c.equals(pc.completion())) {
                return pc.with(p, c);
            }
        }
        return e;
    }

    /** Kept examples on their way out: repaired, their tokens counted on the workers. */
    private final class Batch {
        final List<Example> examples = new ArrayList<>(BATCH);
        final List<String> strata = new ArrayList<>(BATCH);
        final BitSet changed = new BitSet(BATCH);
        ForkJoinTask<int[]> tokens;

        void add(Example e, String stratum, boolean wasChanged) {
            if (wasChanged) {
                changed.set(examples.size());
            }
            examples.add(e);
            strata.add(stratum);
        }

        int size() {
            return examples.size();
        }

        void countAsync(TokenCounter counter) {
            tokens = workers.submit(() -> {
                int[] t = new int[examples.size()];
                IntStream.range(0, t.length).parallel().forEach(i -> t[i] = counter.count(examples.get(i)));
                return t;
            });
        }
    }

    /** Checks lengths, runs user checks, splits and outputs a counted batch, in order. */
    private void finish(Batch batch, Split.Assigner assigner) {
        if (batch == null) {
            return;
        }
        int[] tokens = batch.tokens.join();
        for (int i = 0; i < batch.size(); i++) {
            Example e = batch.examples.get(i);
            int t = tokens[i];
            if (t > model.contextTokens() && v.enabled("too_long")) {
                boolean apply = v.applies(Repair.DROP_LONG);
                findings.add(Finding.at(e.line(), "too_long", Severity.ERROR, null, "the example has " + t
                        + " tokens, more than the " + model.contextTokens() + " of " + model.name(),
                        "shorten or split it").withRepair(Repair.DROP_LONG, apply));
                if (apply) {
                    droppedByRepair++;
                    continue;
                }
            }
            for (Check c : userChecks) {
                c.inspect(e, findings::add);
            }
            kept++;
            if (batch.changed.get(i)) {
                repaired++;
            }
            tokensTotal += t;
            tokensMax = Math.max(tokensMax, t);
            boolean toValidation = assigner != null && assigner.toValidation(batch.strata.get(i));
            if (toValidation) {
                validation++;
                if (output != null) {
                    output.validation(e);
                }
            } else {
                training++;
                tokensTraining += t;
                tokensTrainingCapped += Math.min(t, model.contextTokens());
                if (output != null) {
                    output.training(e);
                }
            }
        }
    }

    // ---------------------------------------------------------------- report

    private ValidationReport report() {
        String format = examples == 0 ? "none"
                : typeCounts[majorityType] < examples ? "mixed" : TYPE_NAMES[majorityType];
        Optional<CostEstimate> estimate = training == 0 ? Optional.empty()
                : Optional.of(CostEstimate.of(model, training, tokensTrainingCapped, v.epochs()));
        boolean completionData = majorityType == 0 && pcValid > 0 && !allPromptsSame;
        Optional<String> separator = !completionData || task == TaskType.OPEN_ENDED_GENERATION ? Optional.empty()
                : Optional.ofNullable(addSeparator != null ? addSeparator : emptyToNull(promptSuffix));
        Optional<String> stop = majorityType != 0 || pcValid == 0 || allCompletionsSame
                || task != TaskType.CONDITIONAL_GENERATION ? Optional.empty()
                : Optional.ofNullable(addStop != null ? addStop : emptyToNull(completionSuffix));
        Map<String, Long> classMap = new LinkedHashMap<>();
        if (task == TaskType.CLASSIFICATION) {
            sortedClasses().forEach(e -> classMap.put(e.getKey(), e.getValue()));
        }
        List<Finding> sorted = new ArrayList<>(findings.listed());
        sorted.sort(Comparator.naturalOrder());
        DatasetFormat fileFormat = dataset.file().isPresent() ? dataset.format() : DatasetFormat.JSONL;
        return new ValidationReport(dataset.file(), fileFormat, format, model, task,
                new ValidationReport.Counts(records, unreadable, kept, repaired, records - kept, training, validation),
                new ValidationReport.Tokens(tokensTotal, tokensTraining, tokensMax,
                        kept == 0 ? 0 : (double) tokensTotal / kept),
                estimate, separator, stop, classMap, sorted, findings.counts(), findings.blocking(), v.repairs(),
                Optional.empty(), Optional.empty());
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Findings of one run: all counted, a bounded number per code listed. */
    static final class Findings {
        private final Validator v;
        private final int maxPerCode;
        private final List<Finding> listed = new ArrayList<>();
        private final Map<String, Long> counts = new HashMap<>();
        private long blocking;

        Findings(Validator v) {
            this.v = v;
            this.maxPerCode = v.maxFindingsPerCode();
        }

        void add(Finding f) {
            if (!v.enabled(f.code())) {
                return;
            }
            long n = counts.merge(f.code(), 1L, Long::sum);
            if (f.blocking()) {
                blocking++;
            }
            if (n <= maxPerCode) {
                listed.add(f);
            }
        }

        List<Finding> listed() {
            return listed;
        }

        Map<String, Long> counts() {
            return counts;
        }

        long blocking() {
            return blocking;
        }
    }
}
