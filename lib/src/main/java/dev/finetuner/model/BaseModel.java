package dev.finetuner.model;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A model that can be fine-tuned, with what preparing data for it needs to know.
 *
 * <p>{@link #resolve(String)} turns any name a user may type into an entry: a catalogue name, a legacy
 * name retired on 2024-01-04 ({@code ada}, {@code babbage}, {@code curie}, {@code davinci}), a
 * fine-tuned model id ({@code ft:gpt-4o-mini-2024-07-18:org::abc}, whose base is looked up), or an
 * unknown name, which gets conservative defaults and {@link #known()} {@code false}.
 *
 * @param name the model name sent to the API
 * @param format the example format it trains on
 * @param contextTokens the most tokens one training example may have
 * @param encoding the tokenizer it uses
 * @param trainingPricePerMillionTokens USD per 1M trained tokens, empty when unknown
 * @param known whether the name is in the catalogue (or a fine-tune of a catalogue model)
 */
public record BaseModel(
        String name,
        ExampleFormat format,
        int contextTokens,
        TokenEncoding encoding,
        Optional<BigDecimal> trainingPricePerMillionTokens,
        boolean known) {

    /** Context assumed for a model the catalogue does not know: the smallest any fine-tunable model had. */
    public static final int DEFAULT_CONTEXT_TOKENS = 4096;

    /** babbage-002: the replacement of ada and babbage; cheap, for classification. */
    public static final BaseModel BABBAGE_002 = of("babbage-002", ExampleFormat.COMPLETION, 16_384, TokenEncoding.CL100K_BASE, "0.40");
    /** davinci-002: the replacement of curie and davinci. */
    public static final BaseModel DAVINCI_002 = of("davinci-002", ExampleFormat.COMPLETION, 16_384, TokenEncoding.CL100K_BASE, "6.00");
    /** gpt-3.5-turbo (chat). */
    public static final BaseModel GPT_35_TURBO = of("gpt-3.5-turbo", ExampleFormat.CHAT, 16_385, TokenEncoding.CL100K_BASE, "8.00");
    /** gpt-4o-mini-2024-07-18 (chat). */
    public static final BaseModel GPT_4O_MINI = of("gpt-4o-mini-2024-07-18", ExampleFormat.CHAT, 65_536, TokenEncoding.O200K_BASE, "3.00");
    /** gpt-4o-2024-08-06 (chat). */
    public static final BaseModel GPT_4O = of("gpt-4o-2024-08-06", ExampleFormat.CHAT, 65_536, TokenEncoding.O200K_BASE, "25.00");
    /** gpt-4.1-2025-04-14 (chat). */
    public static final BaseModel GPT_41 = of("gpt-4.1-2025-04-14", ExampleFormat.CHAT, 65_536, TokenEncoding.O200K_BASE, "25.00");
    /** gpt-4.1-mini-2025-04-14 (chat). */
    public static final BaseModel GPT_41_MINI = of("gpt-4.1-mini-2025-04-14", ExampleFormat.CHAT, 65_536, TokenEncoding.O200K_BASE, "5.00");
    /** gpt-4.1-nano-2025-04-14 (chat). */
    public static final BaseModel GPT_41_NANO = of("gpt-4.1-nano-2025-04-14", ExampleFormat.CHAT, 65_536, TokenEncoding.O200K_BASE, "1.50");

    private static final List<BaseModel> CATALOGUE = List.of(
            BABBAGE_002, DAVINCI_002, GPT_35_TURBO, GPT_4O_MINI, GPT_4O, GPT_41, GPT_41_MINI, GPT_41_NANO);

    /**
     * The day Together AI's entries were written down ({@link #togetherCatalogue()}). Their prices are
     * Together's LoRA supervised fine-tuning rates by model size (up to 16B, 17B to 69B, 70B to 100B) as
     * recalled on that day, not read from together.ai/pricing (which this build could not reach): check
     * them there before relying on an estimate.
     */
    public static final String TOGETHER_CATALOGUE_DATE = "2026-12-02";

    /** Llama 3.1 8B Instruct on Together AI (LoRA SFT, up to 16B). */
    public static final BaseModel TOGETHER_LLAMA_31_8B = of("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
            ExampleFormat.COMPLETION, 8_192, TokenEncoding.CL100K_BASE, "0.48");
    /** Llama 3.1 70B Instruct on Together AI (LoRA SFT, 70B to 100B). */
    public static final BaseModel TOGETHER_LLAMA_31_70B = of("meta-llama/Meta-Llama-3.1-70B-Instruct-Reference",
            ExampleFormat.COMPLETION, 8_192, TokenEncoding.CL100K_BASE, "2.90");
    /** Qwen 2.5 7B Instruct on Together AI (LoRA SFT, up to 16B). */
    public static final BaseModel TOGETHER_QWEN_25_7B = of("Qwen/Qwen2.5-7B-Instruct",
            ExampleFormat.COMPLETION, 8_192, TokenEncoding.CL100K_BASE, "0.48");
    /** Qwen 2.5 72B Instruct on Together AI (LoRA SFT, 70B to 100B). */
    public static final BaseModel TOGETHER_QWEN_25_72B = of("Qwen/Qwen2.5-72B-Instruct",
            ExampleFormat.COMPLETION, 8_192, TokenEncoding.CL100K_BASE, "2.90");

    private static final List<BaseModel> TOGETHER = List.of(
            TOGETHER_LLAMA_31_8B, TOGETHER_LLAMA_31_70B, TOGETHER_QWEN_25_7B, TOGETHER_QWEN_25_72B);

    /** Keyed by the lower-case name, as names are looked up. */
    private static final Map<String, BaseModel> BY_NAME = java.util.stream.Stream.concat(CATALOGUE.stream(), TOGETHER.stream())
            .collect(Collectors.toUnmodifiableMap(m -> m.name().toLowerCase(Locale.ROOT), Function.identity()));

    /** Models retired on 2024-01-04 and the model that replaces each. */
    private static final Map<String, BaseModel> LEGACY = Map.of(
            "ada", BABBAGE_002, "babbage", BABBAGE_002, "curie", DAVINCI_002, "davinci", DAVINCI_002);

    /** Short aliases the API also accepts for dated snapshots. */
    private static final Map<String, BaseModel> ALIASES = Map.of(
            "gpt-4o-mini", GPT_4O_MINI, "gpt-4o", GPT_4O, "gpt-4.1", GPT_41,
            "gpt-4.1-mini", GPT_41_MINI, "gpt-4.1-nano", GPT_41_NANO,
            "gpt-3.5-turbo-0125", GPT_35_TURBO, "gpt-3.5-turbo-1106", GPT_35_TURBO);

    /**
     * Checks the components: none null and the name not blank.
     *
     * @param name the model name sent to the API
     * @param format the example format it trains on
     * @param contextTokens the most tokens one training example may have
     * @param encoding the tokenizer it uses
     * @param trainingPricePerMillionTokens USD per 1M trained tokens, empty when unknown
     * @param known whether the name is in the catalogue (or a fine-tune of a catalogue model)
     */
    public BaseModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(trainingPricePerMillionTokens, "trainingPricePerMillionTokens");
        if (name.isBlank()) {
            throw new IllegalArgumentException("model name is blank");
        }
        if (contextTokens <= 0) {
            throw new IllegalArgumentException("contextTokens must be positive: " + contextTokens);
        }
    }

    private static BaseModel of(String name, ExampleFormat format, int context, TokenEncoding enc, String price) {
        return new BaseModel(name, format, context, enc, Optional.of(new BigDecimal(price)), true);
    }

    /** {@return every OpenAI model of the catalogue, in a stable order} */
    public static List<BaseModel> catalogue() {
        return CATALOGUE;
    }

    /**
     * Together AI's models, which {@link #resolve(String)} knows beside OpenAI's. They take
     * prompt/completion data (Together also takes chat data, which the catalogue's one format per model
     * cannot say); context is the 8,192 tokens Together trains with by default, tokens are counted with
     * {@code cl100k_base} (close to, not equal to, Llama's and Qwen's own tokenizers), and prices are as of
     * {@link #TOGETHER_CATALOGUE_DATE} (see there).
     *
     * @return Together AI's models, in a stable order
     */
    public static List<BaseModel> togetherCatalogue() {
        return TOGETHER;
    }

    /** {@return {@code "together"} for an entry of {@link #togetherCatalogue()}, else {@code "openai"}} */
    public String provider() {
        return known && TOGETHER.stream().anyMatch(m -> m.name().equalsIgnoreCase(name)) ? "together" : "openai";
    }

    /**
     * The catalogue entry for a name, legacy alias or fine-tuned id; never throws for an unknown name.
     *
     * @param requested the name as the user gave it
     * @return the entry, with a warning when a retired name was replaced
     * @throws IllegalArgumentException if the name is null or blank
     */
    public static Resolution resolve(String requested) {
        if (requested == null || requested.isBlank()) {
            throw new IllegalArgumentException("model name is missing: name a base model such as davinci-002");
        }
        String name = requested.trim();
        String lower = name.toLowerCase(Locale.ROOT);
        BaseModel exact = BY_NAME.get(lower);
        if (exact != null) {
            return new Resolution(name, exact, Optional.empty());
        }
        BaseModel replacement = LEGACY.get(lower);
        if (replacement != null) {
            return new Resolution(name, replacement, Optional.of(
                    name + " was retired on 2024-01-04; training its replacement " + replacement.name() + " instead"));
        }
        BaseModel alias = ALIASES.get(lower);
        if (alias != null) {
            return new Resolution(name, alias.withName(lower), Optional.empty());
        }
        if (lower.startsWith("ft:")) {
            // ft:BASE:org:suffix:id: a fine-tuned model used as the base of a further fine-tune
            String[] parts = name.split(":");
            if (parts.length > 1) {
                Resolution base = resolve(parts[1]);
                if (base.model().known()) {
                    return new Resolution(name, base.model().withName(name), base.warning().map(w ->
                            name + " is a fine-tune of " + parts[1] + ": " + w));
                }
            }
        }
        BaseModel like = family(lower);
        if (like != null) {
            return new Resolution(name, new BaseModel(name, like.format(), like.contextTokens(), like.encoding(),
                    Optional.empty(), false), Optional.of(
                    name + " is not in the catalogue; assuming it is like " + like.name() + " but its price is unknown"));
        }
        ExampleFormat guess = lower.contains("gpt") ? ExampleFormat.CHAT : ExampleFormat.COMPLETION;
        return new Resolution(name, new BaseModel(name, guess, DEFAULT_CONTEXT_TOKENS, TokenEncoding.CL100K_BASE,
                Optional.empty(), false), Optional.of(
                name + " is not in the catalogue; assuming " + guess.name().toLowerCase(Locale.ROOT)
                        + " format, a " + DEFAULT_CONTEXT_TOKENS + "-token context and an unknown price"));
    }

    /**
     * How far (in edits: a letter added, removed or changed) a name the catalogue does not know may be
     * from one it knows to be taken for a typo of it by {@link #didYouMean(String)}.
     */
    public static final int TYPO_DISTANCE = 2;

    /**
     * The catalogue name, short alias or legacy name that {@code requested} is most likely a typo of:
     * one at most {@value #TYPO_DISTANCE} edits away (ignoring case). Empty when the name is known, a
     * fine-tuned id ({@code ft:...}), a newer snapshot of a known family ({@code gpt-4o-mini-2025-...}),
     * or far from every known name, which is how a new model the catalogue does not know yet looks: such a
     * name may well be right, so only the caller can decide whether to go on with it.
     *
     * @param requested the name as the user gave it
     * @return the likely meant name, if there is one
     * @throws IllegalArgumentException if the name is null or blank
     */
    public static Optional<String> didYouMean(String requested) {
        Resolution r = resolve(requested);
        String lower = requested.trim().toLowerCase(Locale.ROOT);
        if (r.model().known() || lower.startsWith("ft:") || isSnapshot(lower)) {
            return Optional.empty();
        }
        String best = null;
        int bestDistance = TYPO_DISTANCE + 1;
        for (String name : knownNames()) {
            int d = distance(lower, name);
            if (d < bestDistance) {
                best = name;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Every name {@link #resolve} knows, shortest spellings first so that a tie names the one people type. */
    private static List<String> knownNames() {
        List<String> names = new java.util.ArrayList<>();
        names.addAll(ALIASES.keySet());
        names.addAll(LEGACY.keySet());
        names.addAll(BY_NAME.keySet());
        names.sort(java.util.Comparator.comparingInt(String::length).thenComparing(java.util.Comparator.naturalOrder()));
        return names;
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    /** True for a dated snapshot of a known family, e.g. gpt-4o-mini-2025-01-01 (not gpt-4o-mni, a typo). */
    private static boolean isSnapshot(String lower) {
        BaseModel like = family(lower);
        return like != null && lower.matches(java.util.regex.Pattern.quote(
                like.name().replaceAll("-\\d{4}-\\d{2}-\\d{2}$", "")) + "-\\d{4}-\\d{2}-\\d{2}");
    }

    /** The catalogue model whose family a newer snapshot belongs to (gpt-4o-mini-2025-..), or null. */
    private static BaseModel family(String lower) {
        // the longest family name that matches
        BaseModel like = null;
        int likeLength = -1;
        for (BaseModel m : CATALOGUE) {
            String family = m.name().replaceAll("-\\d{4}-\\d{2}-\\d{2}$", "");
            if (m.format() == ExampleFormat.CHAT && lower.startsWith(family + "-") && family.length() > likeLength) {
                like = m;
                likeLength = family.length();
            }
        }
        return like;
    }

    /**
     * Shorthand for {@code resolve(name).model()}.
     *
     * @param name a catalogue name, legacy alias or fine-tuned id
     * @return the catalogue entry
     */
    public static BaseModel named(String name) {
        return resolve(name).model();
    }

    /** This entry under another name (an alias or a fine-tuned id of it). */
    BaseModel withName(String newName) {
        return new BaseModel(newName, format, contextTokens, encoding, trainingPricePerMillionTokens, known);
    }

    /**
     * What a requested model name resolved to.
     *
     * @param requested the name as the user gave it
     * @param model the model that will be trained or assumed
     * @param warning why the result is not exactly what was asked for (legacy or unknown name), if it is not
     */
    public record Resolution(String requested, BaseModel model, Optional<String> warning) {
        /**
         * Checks that every component is given (an empty {@code Optional}, never null).
         *
         * @param requested the name as the user gave it
         * @param model the model that will be trained or assumed
         * @param warning why the result is not exactly what was asked for (legacy or unknown name), if it is
         *     not
         */
        public Resolution {
            Objects.requireNonNull(requested, "requested");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(warning, "warning");
        }

        /** {@return true when a retired legacy name was replaced} */
        public boolean replaced() {
            return !requested.trim().equalsIgnoreCase(model.name()) && model.known() && warning.isPresent();
        }
    }
}
