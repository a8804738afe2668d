package dev.finetuner.validation;

import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;
import dev.finetuner.dataset.ReadIssue;
import dev.finetuner.dataset.Split;
import dev.finetuner.internal.Hash64;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What pass 1 learns of a dataset, in bounded memory (texts are held as hashes), and the findings it
 * made. Filled one example at a time, in file order, on one thread; {@link #merge} adds the statistics
 * of the part of the dataset that follows, so that parts read apart (in parallel, or elsewhere) combine
 * into exactly the statistics of one read, duplicates across parts included.
 *
 * <p>Repeats are found by hash in a table of bounded size ({@link Budget}); the examples that come
 * after it is full and do not repeat one of it are sorted by hash on disk and grouped at the end
 * ({@link #settle()}), so that an 8 GB file is deduplicated in a small heap. A hash match is only a
 * candidate: pass 2 compares the texts ({@link #confirm}), and a distinct example that shares a hash is
 * kept. {@link #close()} deletes the temporary files.
 */
final class DatasetStats implements AutoCloseable {
    static final List<String> SEPARATORS = List.of(" ->", "\n\n###\n\n", "\n\n===\n\n", "\n\n---\n\n",
            "\n\n===>\n\n", "\n\n--->\n\n");
    static final List<String> STOPS = List.of("\n", ".", " END", "***", "+++", "&&&", "$$$", "@@@", "%%%");
    static final int MAX_CLASSES_TRACKED = 10_000;
    private static final int MAX_EXTRA_COLUMNS = 50;

    // what pass 2 will drop: the split and the task are planned on the examples it keeps
    private final boolean dropInvalid;
    private final boolean dropDuplicates;
    final Findings findings;

    long records;
    long unreadable;
    long examples;
    final long[] shapeCounts = new long[3];
    final long[] shapeFirstLine = {-1, -1, -1};
    /** Ordinals of examples with an error finding of their own: pass 2 drops these without checking again. */
    final BitSet invalids = new BitSet();
    /** Ordinals of examples that repeat an earlier one: pass 2 drops these without hashing again. */
    final BitSet repeats = new BitSet();
    /** Each repeat as (ordinal, line, line of the first occurrence, hash), sorted by ordinal. */
    private final RecordSorter repeatList;
    /** Ordinals of first occurrences that have a repeat: pass 2 keeps their texts to compare. */
    private final BitSet firsts = new BitSet();
    private final long[] record = new long[4];
    private final Budget budget;
    private final FirstSeen firstSeen;
    /** (hash, ordinal, line, facts) of examples after the table filled that are not in it; null until then. */
    private RecordSorter unsettled;
    private boolean settled;
    private Confirmation confirmation;
    private final List<String> classNames = new ArrayList<>();
    private final Map<String, Integer> classIds = new HashMap<>();

    final long[] keptByShape = new long[3];
    @SuppressWarnings("unchecked")
    Map<String, Long>[] strataByShape = new Map[] {new HashMap<>(), new HashMap<>(), new HashMap<>()};
    Map<String, Long> classes = new HashMap<>();
    boolean classesOverflow;

    // valid prompt/completion examples
    long pcValid;
    final Set<String> extraColumns = new LinkedHashSet<>();
    /** How many of {@link #extraColumns} each example that added some added, so a merge can replay them. */
    private final List<Integer> extraColumnGroups = new ArrayList<>();
    long withExtraColumns;
    String firstPrompt;
    String firstCompletion;
    boolean allPromptsSame = true;
    boolean allCompletionsSame = true;
    String promptPrefix;
    String promptSuffix;
    String completionPrefix;
    String completionSuffix;
    long promptChars;
    boolean anyPromptNewline;
    int separatorsUsed; // bit i: some prompt contains SEPARATORS[i]
    int stopsUsed; // bit i: some completion contains STOPS[i]
    /** [i]: prompts that end with SEPARATORS[i], so that the separator most prompts use can be completed. */
    final long[] promptsEndingWith = new long[SEPARATORS.size()];
    /** [i]: completions that end with STOPS[i]. */
    final long[] completionsEndingWith = new long[STOPS.size()];
    long promptUpper;
    long promptLower;
    long completionUpper;
    long completionLower;
    boolean allCompletionsStartWithSpace = true;

    // valid chat examples
    long chatsWithoutSystem;
    long chatsWithoutUser;

    DatasetStats(boolean dropInvalid, boolean dropDuplicates, Findings findings) {
        this(dropInvalid, dropDuplicates, findings, Budget.DEFAULT);
    }

    DatasetStats(boolean dropInvalid, boolean dropDuplicates, Findings findings, Budget budget) {
        this.dropInvalid = dropInvalid;
        this.dropDuplicates = dropDuplicates;
        this.findings = findings;
        this.budget = budget;
        this.firstSeen = new FirstSeen(budget.tableSlots());
        this.repeatList = new RecordSorter(4, 1, budget.runRecords(), budget.dir());
    }

    /**
     * What duplicate detection may hold in the heap: a hash table of {@code tableSlots} slots (24 bytes
     * each, at most half full), then sort buffers of {@code runRecords} records (32 bytes each), spilled
     * to temporary files in {@code dir} beyond that.
     *
     * @param tableSlots a power of two, at least 2
     * @param runRecords records per sorted run, at least 2
     * @param dir where temporary files go
     */
    record Budget(int tableSlots, int runRecords, Path dir) {
        /** The table of one million examples (48 MB) and runs of half a million (16 MB). */
        static final Budget DEFAULT = new Budget(1 << 21, 1 << 19, null);

        Budget {
            if (tableSlots < 2 || Integer.bitCount(tableSlots) != 1 || runRecords < 2) {
                throw new IllegalArgumentException("table " + tableSlots + ", runs " + runRecords);
            }
        }

        @Override
        public Path dir() {
            return dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        }
    }

    /** True when pass 2 drops repeats (so they are not counted as kept). */
    boolean dropsDuplicates() {
        return dropDuplicates;
    }

    /** What pass 1 needs of an example that can be computed on any thread. */
    record Digest(long hash, List<Finding> findings, boolean invalid, long promptCase, long completionCase,
                  int separatorsUsed, int stopsUsed, int separatorEndings, int stopEndings) {
        static Digest of(Example e, List<Finding> findings) {
            boolean invalid = false;
            for (Finding f : findings) {
                invalid |= f.severity() == Severity.ERROR;
            }
            if (!(e instanceof Example.PromptCompletion pc)) {
                return new Digest(DatasetStats.hash(e), findings, invalid, 0, 0, 0, 0, 0, 0);
            }
            String p = pc.prompt();
            String c = pc.completion();
            int seps = 0;
            int sepEnds = 0;
            char pLast = p.isEmpty() ? 0 : p.charAt(p.length() - 1);
            for (int i = 0; i < SEPARATORS.size(); i++) {
                String sep = SEPARATORS.get(i);
                seps |= p.contains(sep) ? 1 << i : 0;
                // only a text that ends with the suffix's last character can end with it
                sepEnds |= pLast == sep.charAt(sep.length() - 1) && p.endsWith(sep) ? 1 << i : 0;
            }
            int stops = 0;
            int stopEnds = 0;
            char cLast = c.isEmpty() ? 0 : c.charAt(c.length() - 1);
            for (int i = 0; i < STOPS.size(); i++) {
                String stop = STOPS.get(i);
                stops |= c.contains(stop) ? 1 << i : 0;
                stopEnds |= cLast == stop.charAt(stop.length() - 1) && c.endsWith(stop) ? 1 << i : 0;
            }
            // hash(e) and the case counts from one copy of each text
            Hash64 hash = new Hash64().add("pc");
            long promptCase = hashAndCountCase(p, hash);
            long completionCase = hashAndCountCase(c, hash);
            return new Digest(hash.value(), findings, invalid, promptCase, completionCase, seps, stops,
                    sepEnds, stopEnds);
        }
    }

    /** A record the reader could not read, or its note about the file. */
    void add(ReadIssue issue) {
        if (ReadIssueRule.dropsRecord(issue)) {
            records++;
            unreadable++;
        }
        findings.add(ReadIssueRule.finding(issue, dropInvalid));
    }

    /** The next example, with its digest. */
    void add(Example e, Digest d) {
        records++;
        int ord = Math.toIntExact(examples++);
        int s = Shape.of(e).ordinal();
        shapeCounts[s]++;
        if (shapeFirstLine[s] < 0) {
            shapeFirstLine[s] = e.line();
        }
        for (Finding f : d.findings()) {
            findings.add(f);
        }
        boolean invalid = d.invalid();
        if (invalid) {
            invalids.set(ord);
        }
        long hash = FirstSeen.key(d.hash());
        int slot = firstSeen.slot(hash);
        boolean repeat = firstSeen.used(slot);
        boolean dropped = invalid && dropInvalid || repeat && dropDuplicates;
        int classId = FirstSeen.NO_CLASS;
        if (!dropped) {
            keptByShape[s]++;
            if (strataByShape[s] != null || !invalid && !classesOverflow) {
                String cls = Split.completionClass(e);
                classId = classId(cls);
                count(s, cls, invalid, 1);
            }
        }
        if (repeat) {
            repeats.set(ord);
            firsts.set(firstSeen.ordinal(slot));
            addRepeat(ord, e.line(), firstSeen.line(slot), hash);
        } else if (!firstSeen.full()) {
            firstSeen.put(slot, hash, e.line(), ord, s, invalid, classId);
        } else {
            if (unsettled == null) {
                unsettled = new RecordSorter(4, 2, budget.runRecords(), budget.dir());
            }
            record[0] = hash;
            record[1] = ord;
            record[2] = e.line();
            record[3] = FirstSeen.facts(ord, s, invalid, classId);
            unsettled.add(record);
        }
        if (!invalid) {
            aggregate(e, d);
        }
    }

    private void count(int shape, String cls, boolean invalid, long n) {
        Map<String, Long> strata = strataByShape[shape];
        if (strata != null) {
            addTo(strata, cls, n);
            if (strata.size() > MAX_CLASSES_TRACKED) {
                strataByShape[shape] = null;
            }
        }
        if (!invalid && !classesOverflow) {
            addTo(classes, cls, n);
            if (classes.size() > MAX_CLASSES_TRACKED) {
                classesOverflow = true;
                classes.clear();
            }
        }
    }

    private static void addTo(Map<String, Long> counts, String key, long n) {
        if (counts.merge(key, n, Long::sum) == 0) {
            counts.remove(key);
        }
    }

    private int classId(String cls) {
        Integer id = classIds.get(cls);
        if (id == null) {
            id = classNames.size();
            classNames.add(cls);
            classIds.put(cls, id);
        }
        return id;
    }

    private void addRepeat(long ord, long line, long firstLine, long hash) {
        record[0] = ord;
        record[1] = line;
        record[2] = firstLine;
        record[3] = hash;
        repeatList.add(record);
    }

    /**
     * Ends pass 1: groups the examples that came after the table filled by hash, and makes all but the
     * first of each group repeats, as if the table had held them. Idempotent.
     */
    void settle() {
        if (settled) {
            return;
        }
        settled = true;
        if (unsettled == null) {
            return;
        }
        long[] first = {0, -1, 0}; // hash, ordinal, line
        try (RecordSorter sorted = unsettled) {
            sorted.forEach(r -> {
                if (first[1] < 0 || r[0] != first[0]) {
                    first[0] = r[0];
                    first[1] = r[1];
                    first[2] = r[2];
                    return;
                }
                int ord = (int) r[1];
                long f = r[3];
                repeats.set(ord);
                firsts.set((int) first[1]);
                addRepeat(ord, r[2], first[2], r[0]);
                uncount(FirstSeen.shape(f), FirstSeen.invalid(f), FirstSeen.classId(f), classNames);
            });
        } finally {
            unsettled = null;
        }
    }

    /** Takes back the counts of an example that was counted as kept and turned out to be a repeat. */
    private void uncount(int shape, boolean invalid, int classId, List<String> names) {
        if (dropDuplicates && !(invalid && dropInvalid)) {
            keptByShape[shape]--;
            if (classId != FirstSeen.NO_CLASS) {
                count(shape, names.get(classId), invalid, -1);
            }
        }
    }

    /** {@return how many sorted runs of pass 1 went to disk, before {@link #settle()}} */
    int spilledRuns() {
        return unsettled == null ? 0 : unsettled.runs();
    }

    /** Each repeated example, in file order: its line and the line of its first occurrence. */
    void forEachRepeat(RepeatConsumer action) {
        settle();
        repeatList.forEach(r -> {
            // pass 2 clears the repeats that turned out distinct, and names another first if need be
            if (repeats.get((int) r[0])) {
                action.accept(r[1], confirmation == null ? r[2] : confirmation.firstLine((int) r[0], r[2]));
            }
        });
    }

    /**
     * Pass 2, for every example in file order before anything is dropped: keeps the texts of first
     * occurrences that have a repeat, and compares each repeat's text with them. A repeat whose text
     * differs (a hash collision) stops being one, so it is kept and not reported.
     *
     * @param ord the example's ordinal
     * @param e the example, as read
     */
    void confirm(int ord, Example e) {
        boolean first = firsts.get(ord);
        boolean repeat = repeats.get(ord);
        if (!first && !repeat) {
            return;
        }
        if (confirmation == null) {
            confirmation = new Confirmation(budget.dir());
        }
        if (!confirmation.check(ord, e, repeat)) {
            repeats.clear(ord);
        }
    }

    /** Deletes the temporary files. Idempotent. */
    @Override
    public void close() {
        try (RecordSorter a = unsettled; RecordSorter b = repeatList; Confirmation c = confirmation) {
            unsettled = null;
        }
    }

    interface RepeatConsumer {
        void accept(long line, long firstLine);
    }

    private void aggregate(Example e, Digest d) {
        if (e instanceof Example.PromptCompletion pc) {
            pcValid++;
            if (!pc.extras().isEmpty()) {
                withExtraColumns++;
                if (extraColumns.size() < MAX_EXTRA_COLUMNS) {
                    int before = extraColumns.size();
                    extraColumns.addAll(pc.extras().keySet());
                    if (extraColumns.size() > before) {
                        extraColumnGroups.add(extraColumns.size() - before);
                    }
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
            countBits(promptsEndingWith, d.separatorEndings());
            countBits(completionsEndingWith, d.stopEndings());
            promptUpper += d.promptCase() >>> 32;
            promptLower += d.promptCase() & 0xFFFFFFFFL;
            completionUpper += d.completionCase() >>> 32;
            completionLower += d.completionCase() & 0xFFFFFFFFL;
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
    }

    /**
     * Adds the statistics of the part of the dataset that directly follows the one these describe, read
     * with the same settings. An example of {@code later} that repeats one of this part becomes a repeat,
     * and leaves the kept counts if duplicates are dropped.
     */
    void merge(DatasetStats later) {
        if (later.dropInvalid != dropInvalid || later.dropDuplicates != dropDuplicates) {
            throw new IllegalArgumentException("statistics read with other settings");
        }
        if (unsettled != null || later.unsettled != null || settled || later.settled) {
            throw new IllegalStateException("statistics that outgrew their table, or were settled, cannot merge");
        }
        int offset = Math.toIntExact(examples);
        findings.merge(later.findings);
        records += later.records;
        unreadable += later.unreadable;
        examples += later.examples;
        for (int s = 0; s < 3; s++) {
            shapeCounts[s] += later.shapeCounts[s];
            if (shapeFirstLine[s] < 0) {
                shapeFirstLine[s] = later.shapeFirstLine[s];
            }
            keptByShape[s] += later.keptByShape[s];
            if (strataByShape[s] != null && later.strataByShape[s] != null) {
                Map<String, Long> strata = strataByShape[s];
                later.strataByShape[s].forEach((k, n) -> addTo(strata, k, n));
                if (strataByShape[s].size() > MAX_CLASSES_TRACKED) {
                    strataByShape[s] = null;
                }
            } else {
                strataByShape[s] = null;
            }
        }
        if (!classesOverflow && !later.classesOverflow) {
            later.classes.forEach((k, n) -> addTo(classes, k, n));
            if (classes.size() > MAX_CLASSES_TRACKED) {
                classesOverflow = true;
                classes.clear();
            }
        } else {
            classesOverflow = true;
            classes.clear();
        }
        later.invalids.stream().forEach(i -> invalids.set(offset + i));
        // the later part's first occurrences: new ones join the table, the others are repeats now
        List<long[]> crossRepeats = new ArrayList<>();
        firstSeen.unbounded = true; // merging has no budget: it keeps what both parts held
        later.firstSeen.forEach((hash, line, ord, shape, invalid, classId) -> {
            int slot = firstSeen.slot(hash);
            if (!firstSeen.used(slot)) {
                String cls = classId == FirstSeen.NO_CLASS ? null : later.classNames.get(classId);
                firstSeen.put(slot, hash, line, offset + ord, shape, invalid,
                        cls == null ? FirstSeen.NO_CLASS : classId(cls));
                return;
            }
            crossRepeats.add(new long[] {offset + ord, line, hash});
            repeats.set(offset + ord);
            uncount(shape, invalid, classId, later.classNames);
        });
        later.repeats.stream().forEach(i -> repeats.set(offset + i));
        later.repeatList.forEach(r -> crossRepeats.add(new long[] {offset + r[0], r[1], r[3]}));
        // the first occurrence of each is the one the whole table knows now
        for (long[] r : crossRepeats) {
            int slot = firstSeen.slot(r[2]);
            firsts.set(firstSeen.ordinal(slot));
            addRepeat(r[0], r[1], firstSeen.line(slot), r[2]);
        }
        later.close();
        mergeAggregates(later);
    }

    private static void countBits(long[] counts, int bits) {
        for (int b = bits; b != 0; b &= b - 1) {
            counts[Integer.numberOfTrailingZeros(b)]++;
        }
    }

    /**
     * The marker (of {@code markers}) that more than half of {@code of} texts end with, but not all; null
     * when there is none.
     */
    static String mostUsedEnding(List<String> markers, long[] endingWith, long of) {
        int best = -1;
        for (int i = 0; i < endingWith.length; i++) {
            if (endingWith[i] * 2 > of && endingWith[i] < of && (best < 0 || endingWith[i] > endingWith[best])) {
                best = i;
            }
        }
        return best < 0 ? null : markers.get(best);
    }

    private void mergeAggregates(DatasetStats later) {
        pcValid += later.pcValid;
        withExtraColumns += later.withExtraColumns;
        // replay the later part's additions as one read would have made them: while fewer than the limit
        List<String> laterColumns = new ArrayList<>(later.extraColumns);
        int from = 0;
        for (int group : later.extraColumnGroups) {
            if (extraColumns.size() >= MAX_EXTRA_COLUMNS) {
                break;
            }
            int before = extraColumns.size();
            extraColumns.addAll(laterColumns.subList(from, from + group));
            if (extraColumns.size() > before) {
                extraColumnGroups.add(extraColumns.size() - before);
            }
            from += group;
        }
        if (later.firstPrompt != null) {
            if (firstPrompt == null) {
                firstPrompt = later.firstPrompt;
                firstCompletion = later.firstCompletion;
                allPromptsSame = later.allPromptsSame;
                allCompletionsSame = later.allCompletionsSame;
                promptPrefix = later.promptPrefix;
                promptSuffix = later.promptSuffix;
                completionPrefix = later.completionPrefix;
                completionSuffix = later.completionSuffix;
            } else {
                allPromptsSame &= later.allPromptsSame && later.firstPrompt.equals(firstPrompt);
                allCompletionsSame &= later.allCompletionsSame && later.firstCompletion.equals(firstCompletion);
                promptPrefix = commonPrefix(promptPrefix, later.promptPrefix);
                promptSuffix = commonSuffix(promptSuffix, later.promptSuffix);
                completionPrefix = commonPrefix(completionPrefix, later.completionPrefix);
                completionSuffix = commonSuffix(completionSuffix, later.completionSuffix);
            }
        }
        promptChars += later.promptChars;
        anyPromptNewline |= later.anyPromptNewline;
        separatorsUsed |= later.separatorsUsed;
        stopsUsed |= later.stopsUsed;
        for (int i = 0; i < promptsEndingWith.length; i++) {
            promptsEndingWith[i] += later.promptsEndingWith[i];
        }
        for (int i = 0; i < completionsEndingWith.length; i++) {
            completionsEndingWith[i] += later.completionsEndingWith[i];
        }
        promptUpper += later.promptUpper;
        promptLower += later.promptLower;
        completionUpper += later.completionUpper;
        completionLower += later.completionLower;
        allCompletionsStartWithSpace &= later.allCompletionsStartWithSpace;
        chatsWithoutSystem += later.chatsWithoutSystem;
        chatsWithoutUser += later.chatsWithoutUser;
    }

    /** The shape most examples have (prompt/completion when there are none). */
    Shape majority() {
        int m = 0;
        for (int s = 1; s < 3; s++) {
            if (shapeCounts[s] > shapeCounts[m]) {
                m = s;
            }
        }
        return Shape.ALL[m];
    }

    /** The classes by count, most frequent first, ties by name. */
    List<Map.Entry<String, Long>> sortedClasses() {
        return classes.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .toList();
    }

    /** Upper-case letters in the high 32 bits, lower-case in the low 32. */
    static long countCase(String s) {
        int n = s.length();
        char[] chars = TextCopy.of(s);
        return countCase(chars, n);
    }

    /** Adds {@code s} to {@code hash} as {@link Hash64#add(CharSequence)} does, and counts its letter case. */
    private static long hashAndCountCase(String s, Hash64 hash) {
        int n = s.length();
        char[] chars = TextCopy.of(s);
        hash.add(chars, n);
        return countCase(chars, n);
    }

    private static long countCase(char[] chars, int n) {
        int upper = 0;
        int lower = 0;
        int wide = 0;
        for (int i = 0; i < n; i++) {
            char ch = chars[i];
            upper += (char) (ch - 'A') < 26 ? 1 : 0;
            lower += (char) (ch - 'a') < 26 ? 1 : 0;
            wide |= ch;
        }
        if (wide >= 128) {
            for (int i = 0; i < n; i++) {
                char ch = chars[i];
                if (ch >= 128) {
                    upper += Character.isUpperCase(ch) ? 1 : 0;
                    lower += Character.isLowerCase(ch) ? 1 : 0;
                }
            }
        }
        return ((long) upper << 32) | lower;
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

    static long hash(Example e) {
        Hash64 hash = new Hash64();
        fields(e, new Fields() {
            @Override
            public Fields add(CharSequence s) {
                hash.add(s);
                return this;
            }
        });
        return hash.value();
    }

    /** Takes the texts that make an example what it is, for duplicate detection. */
    interface Fields {
        Fields add(CharSequence s);
    }

    /** The texts two examples must share to be the same example: hashed, and compared in pass 2. */
    static void fields(Example e, Fields h) {
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
    }

    private static void addChat(Fields h, Example.Chat c) {
        addMessages(h, c.messages());
        h.add("|tools").add(c.tools().orElse(""));
        c.extras().forEach((k, val) -> h.add(k).add(val));
    }

    private static void addMessages(Fields h, List<Message> messages) {
        for (Message m : messages) {
            h.add(m.role()).add(m.text());
            m.extras().forEach((k, val) -> h.add(k).add(val));
        }
    }

    /**
     * Example hash to what pass 1 knew of its first occurrence: its line, and what a merge needs to
     * count it as a repeat. Open addressing, at most half full: 24 bytes per slot.
     */
    static final class FirstSeen {
        static final int NO_CLASS = (1 << 24) - 1;
        /** Stands in for the hash 0, which marks a free slot (a candidate repeat, compared in pass 2). */
        private static final long ZERO = 0x9E3779B97F4A7C15L;
        private final int maxSlots;
        private long[] keys;
        private long[] lines;
        /** ordinal (32 bits), shape (2), invalid (1), class id (24). */
        private long[] facts;
        private int size;
        private boolean full;
        boolean unbounded;

        FirstSeen(int maxSlots) {
            this.maxSlots = maxSlots;
            int n = Math.min(1 << 13, maxSlots);
            keys = new long[n];
            lines = new long[n];
            facts = new long[n];
        }

        /** The key a hash is kept as: 0 marks a free slot. */
        static long key(long hash) {
            return hash == 0 ? ZERO : hash;
        }

        static long facts(long ord, int shape, boolean invalid, int classId) {
            return ord << 27 | (long) shape << 25 | (invalid ? 1L << 24 : 0) | classId;
        }

        static int shape(long facts) {
            return (int) (facts >>> 25) & 3;
        }

        static boolean invalid(long facts) {
            return (facts >>> 24 & 1) == 1;
        }

        static int classId(long facts) {
            return (int) (facts & NO_CLASS);
        }

        /** The slot of {@code key}: where it is, or where it goes. Valid until the next {@link #put}. */
        int slot(long key) {
            return find(key);
        }

        boolean used(int slot) {
            return keys[slot] != 0;
        }

        /** True when the table holds all its budget allows: new first occurrences go elsewhere. */
        boolean full() {
            return full;
        }

        /** The line of the first example in a used slot. */
        long line(int slot) {
            return lines[slot];
        }

        /** The ordinal of the first example in a used slot. */
        int ordinal(int slot) {
            return (int) (facts[slot] >>> 27);
        }

        /** Records the first example with {@code key} in its free {@code slot}. */
        void put(int i, long key, long line, long ord, int shape, boolean invalid, int classId) {
            keys[i] = key;
            lines[i] = line;
            facts[i] = facts(ord, shape, invalid, classId);
            if (++size * 2 > keys.length) {
                if (keys.length < maxSlots || unbounded) {
                    grow();
                } else {
                    full = true;
                }
            }
        }

        interface Entry {
            void accept(long hash, long line, int ord, int shape, boolean invalid, int classId);
        }

        /** The entries in the order of their ordinals. */
        void forEach(Entry action) {
            List<long[]> all = new ArrayList<>(size);
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != 0) {
                    all.add(new long[] {keys[i], lines[i], facts[i]});
                }
            }
            all.sort((a, b) -> Long.compare(a[2] >>> 27, b[2] >>> 27));
            for (long[] e : all) {
                long f = e[2];
                action.accept(e[0], e[1], (int) (f >>> 27), shape(f), invalid(f), classId(f));
            }
        }

        private int find(long key) {
            int mask = keys.length - 1;
            int i = mix(key) & mask;
            while (keys[i] != 0 && keys[i] != key) {
                i = (i + 1) & mask;
            }
            return i;
        }

        private void grow() {
            long[] k = keys;
            long[] l = lines;
            long[] f = facts;
            keys = new long[k.length * 2];
            lines = new long[k.length * 2];
            facts = new long[k.length * 2];
            for (int j = 0; j < k.length; j++) {
                if (k[j] != 0) {
                    int i = find(k[j]);
                    keys[i] = k[j];
                    lines[i] = l[j];
                    facts[i] = f[j];
                }
            }
        }

        private static int mix(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
