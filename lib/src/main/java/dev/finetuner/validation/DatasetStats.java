package dev.finetuner.validation;

import dev.finetuner.dataset.Example;
import dev.finetuner.dataset.Message;
import dev.finetuner.dataset.ReadIssue;
import dev.finetuner.dataset.Split;
import dev.finetuner.internal.Hash64;

import java.util.ArrayList;
import java.util.Arrays;
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
 */
final class DatasetStats {
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
    /** Each repeat as (ordinal, line, hash), in file order; the line of the first is looked up at the end. */
    private long[] repeatList = new long[48];
    private int repeatCount;
    private final FirstSeen firstSeen = new FirstSeen();
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
        this.dropInvalid = dropInvalid;
        this.dropDuplicates = dropDuplicates;
        this.findings = findings;
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
            for (int i = 0; i < SEPARATORS.size(); i++) {
                seps |= p.contains(SEPARATORS.get(i)) ? 1 << i : 0;
                sepEnds |= p.endsWith(SEPARATORS.get(i)) ? 1 << i : 0;
            }
            int stops = 0;
            int stopEnds = 0;
            for (int i = 0; i < STOPS.size(); i++) {
                stops |= c.contains(STOPS.get(i)) ? 1 << i : 0;
                stopEnds |= c.endsWith(STOPS.get(i)) ? 1 << i : 0;
            }
            return new Digest(DatasetStats.hash(e), findings, invalid, countCase(p), countCase(c), seps, stops,
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
        int slot = firstSeen.slot(d.hash());
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
            addRepeat(ord, e.line(), d.hash());
        } else {
            firstSeen.put(slot, d.hash(), e.line(), ord, s, invalid, classId);
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

    private void addRepeat(long ord, long line, long hash) {
        if (repeatCount * 3 == repeatList.length) {
            repeatList = Arrays.copyOf(repeatList, repeatList.length * 2);
        }
        repeatList[repeatCount * 3] = ord;
        repeatList[repeatCount * 3 + 1] = line;
        repeatList[repeatCount * 3 + 2] = hash;
        repeatCount++;
    }

    /** Each repeated example, in file order: its line and the line of its first occurrence. */
    void forEachRepeat(RepeatConsumer action) {
        for (int i = 0; i < repeatCount; i++) {
            action.accept(repeatList[i * 3 + 1], firstSeen.line(repeatList[i * 3 + 2]));
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
            if (dropDuplicates && !(invalid && dropInvalid)) {
                keptByShape[shape]--;
                if (classId != FirstSeen.NO_CLASS) {
                    count(shape, later.classNames.get(classId), invalid, -1);
                }
            }
        });
        later.repeats.stream().forEach(i -> repeats.set(offset + i));
        for (int i = 0; i < later.repeatCount; i++) {
            crossRepeats.add(new long[] {offset + later.repeatList[i * 3], later.repeatList[i * 3 + 1],
                    later.repeatList[i * 3 + 2]});
        }
        crossRepeats.sort((a, b) -> Long.compare(a[0], b[0]));
        crossRepeats.forEach(r -> addRepeat(r[0], r[1], r[2]));
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

    static long hash(Example e) {
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

    /**
     * Example hash to what pass 1 knew of its first occurrence: its line, and what a merge needs to
     * count it as a repeat. Open addressing, at most half full: 24 bytes per slot.
     */
    static final class FirstSeen {
        static final int NO_CLASS = (1 << 24) - 1;
        /** Stands in for the hash 0, which marks a free slot (a 64-bit collision, as likely as any other). */
        private static final long ZERO = 0x9E3779B97F4A7C15L;
        private long[] keys = new long[1 << 13];
        private long[] lines = new long[1 << 13];
        /** ordinal (32 bits), shape (2), invalid (1), class id (24). */
        private long[] facts = new long[1 << 13];
        private int size;

        /** The slot of {@code hash}: where it is, or where it goes. Valid until the next {@link #put}. */
        int slot(long hash) {
            return find(hash == 0 ? ZERO : hash);
        }

        boolean used(int slot) {
            return keys[slot] != 0;
        }

        /** The line of the first example with this hash. */
        long line(long hash) {
            return lines[slot(hash)];
        }

        /** Records the first example with {@code hash} in its free {@code slot}. */
        void put(int i, long hash, long line, long ord, int shape, boolean invalid, int classId) {
            keys[i] = hash == 0 ? ZERO : hash;
            lines[i] = line;
            facts[i] = ord << 27 | (long) shape << 25 | (invalid ? 1L << 24 : 0) | classId;
            if (++size * 2 > keys.length) {
                grow();
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
                action.accept(e[0], e[1], (int) (f >>> 27), (int) (f >>> 25) & 3, (f >>> 24 & 1) == 1,
                        (int) (f & NO_CLASS));
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
