package dev.finetuner.local;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The small real model a local fine-tune trains: a smoothed token model of the completion given the
 * prompt. The next token's probability mixes two parts:
 *
 * <ul>
 *   <li>retrieval: the completions of the {@value #NEIGHBOURS} training examples whose prompts are most
 *       similar (cosine of TF-IDF bags of terms) to the prompt, weighted by a softmax of similarity
 *       (temperature {@value #TAU}); a neighbour whose completion has left the text so far counts
 *       {@value #DIVERGED} as much;</li>
 *   <li>background: a bigram model of completion tokens, backed off to an add-{@value #ALPHA} unigram.</li>
 * </ul>
 *
 * <p>The mixture weight is {@code (1 - exp(-lr * seen)) * similarity}: {@code seen} is how often the
 * neighbours were trained on (weighted as above) and {@code similarity} that of the nearest one; and
 * the counts of the background model are weighted by how often each example was trained on. So
 * training, batch by batch, is counting: {@link #learn(int)} adds one example once. Losses are the
 * real cross-entropy of this distribution; accuracy compares its most probable token (among the
 * neighbours' tokens and the background's best) with the true one. Everything is deterministic.
 *
 * <p>Answering ({@link #generate}) puts retrieval first: when the nearest trained prompt is at least
 * {@value #CLOSE} similar, the mixture weight is {@value #MAX_LAMBDA}, so the answer follows the completions of the
 * nearest prompts (the nearest one's, word for word, at temperature 0) rather than mixing in the bigram model, whose
 * text reads as word salad; only a prompt unlike every trained one gets the learned mixture, and its answer is never
 * empty and ends where it would start repeating itself. Losses and accuracy are those of the mixture, so training still shapes the curves.
 *
 * <p>Not thread-safe while training; a trained model may be read by several threads.
 */
final class NeighbourModel {
    static final int EOS = 0;
    static final int UNK = 1;
    static final int BOS = 2;
    static final int NEIGHBOURS = 8;
    static final double TAU = 0.05;
    static final double DIVERGED = 0.02;
    static final double ALPHA = 0.1;
    static final double GAMMA = 1.0;
    static final double MAX_LAMBDA = 0.995;
    /**
     * The cosine similarity from which the nearest trained prompts answer. Chosen on the helpdesk sample
     * ({@code samples/data/helpdesk.csv}, 326 tickets): questions about its topics in other words are 0.26 to 0.33
     * from their nearest prompt ("My VPN drops every hour, what can I do?" 0.33, "The printer is not working" 0.26),
     * questions about nothing there ("What is the capital of France?", "How many legs does a spider have?") 0.15 to
     * 0.20; separators and common words in every prompt keep all similarities low.
     */
    static final double CLOSE = 0.25;
    /** A term in more than half the prompts (and more than this many) is not indexed. */
    static final int COMMON_MIN = 20;

    /** A prompt and its completion, as the model learns it. */
    record Pair(String prompt, String completion) {
    }

    private final List<Pair> examples;
    private final double lr;
    // completion vocabulary
    private final List<String> vocab = new ArrayList<>(List.of("<|endoftext|>", "<|unk|>", "<|bos|>"));
    private final Map<String, Integer> tokenIds = new HashMap<>();
    private final int[][] completions;
    // prompt vectors
    private final Map<String, Integer> termIds = new HashMap<>();
    private final double[] idf;
    private final double unknownIdf;
    private final int[][] promptTerms;
    private final double[][] promptWeights;
    // training state
    private final int[] seen;
    /** Per term, the trained examples with it and its weight there; null for a term too common to index. */
    private final Postings[] postings;
    private final double[] unigram;
    private double unigramTotal;
    private int unigramBest = EOS;
    private final Map<Long, Integer> bigram = new HashMap<>();
    private final double[] prevTotal;
    private final int[] bigramBest;

    private NeighbourModel(List<Pair> examples, double lr) {
        this.examples = List.copyOf(examples);
        this.lr = lr;
        int n = examples.size();
        completions = new int[n][];
        for (int i = 0; i < n; i++) {
            List<String> tokens = TextTokens.split(examples.get(i).completion());
            int[] ids = new int[tokens.size() + 1];
            for (int t = 0; t < tokens.size(); t++) {
                ids[t] = tokenIds.computeIfAbsent(tokens.get(t), k -> {
                    vocab.add(k);
                    return vocab.size() - 1;
                });
            }
            ids[tokens.size()] = EOS;
            completions[i] = ids;
        }
        // TF-IDF over prompt terms
        List<Map<Integer, Integer>> counts = new ArrayList<>(n);
        List<Integer> df = new ArrayList<>();
        for (Pair p : examples) {
            Map<Integer, Integer> tf = new LinkedHashMap<>();
            for (String term : TextTokens.terms(p.prompt())) {
                int id = termIds.computeIfAbsent(term, k -> {
                    df.add(0);
                    return df.size() - 1;
                });
                tf.merge(id, 1, Integer::sum);
            }
            tf.keySet().forEach(id -> df.set(id, df.get(id) + 1));
            counts.add(tf);
        }
        idf = new double[df.size()];
        for (int i = 0; i < idf.length; i++) {
            idf[i] = Math.log((1.0 + n) / (1.0 + df.get(i))) + 1;
        }
        unknownIdf = Math.log(1.0 + n) + 1;
        // a term in most prompts (a separator, "the") adds little to a similarity and a lot to its cost: it
        // counts in the vectors' norms but does not find neighbours
        postings = new Postings[idf.length];
        int common = Math.max(COMMON_MIN, n / 2);
        for (int i = 0; i < idf.length; i++) {
            postings[i] = df.get(i) > common ? null : new Postings();
        }
        promptTerms = new int[n][];
        promptWeights = new double[n][];
        for (int i = 0; i < n; i++) {
            Map<Integer, Integer> tf = counts.get(i);
            int[] terms = new int[tf.size()];
            double[] weights = new double[tf.size()];
            int k = 0;
            for (Map.Entry<Integer, Integer> e : tf.entrySet()) {
                terms[k] = e.getKey();
                weights[k] = (1 + Math.log(e.getValue())) * idf[e.getKey()];
                k++;
            }
            normalize(weights);
            promptTerms[i] = terms;
            promptWeights[i] = weights;
        }
        seen = new int[n];
        unigram = new double[vocab.size()];
        prevTotal = new double[vocab.size()];
        bigramBest = new int[vocab.size()];
        Arrays.fill(bigramBest, -1);
    }

    /** An untrained model of these examples; {@code lr} scales how fast trained examples gain weight. */
    static NeighbourModel of(List<Pair> examples, double lr) {
        return new NeighbourModel(examples, lr);
    }

    /** A model trained {@code seen[i]} times on example {@code i}. */
    static NeighbourModel restored(List<Pair> examples, double lr, int[] seen) {
        NeighbourModel m = new NeighbourModel(examples, lr);
        if (seen.length != examples.size()) {
            throw new IllegalArgumentException("seen has " + seen.length + " entries for " + examples.size() + " examples");
        }
        for (int i = 0; i < seen.length; i++) {
            for (int k = 0; k < seen[i]; k++) {
                m.learn(i);
            }
        }
        return m;
    }

    List<Pair> examples() {
        return examples;
    }

    double lr() {
        return lr;
    }

    int size() {
        return examples.size();
    }

    int[] seen() {
        return seen.clone();
    }

    /** Tokens of example {@code i}'s completion, the end included. */
    int completionTokens(int i) {
        return completions[i].length;
    }

    /** Trains once on example {@code i}. */
    void learn(int i) {
        if (seen[i]++ == 0) {
            int[] terms = promptTerms[i];
            for (int k = 0; k < terms.length; k++) {
                if (postings[terms[k]] != null) {
                    postings[terms[k]].add(i, promptWeights[i][k]);
                }
            }
        }
        int prev = BOS;
        for (int x : completions[i]) {
            unigram[x]++;
            unigramTotal++;
            if (unigram[x] > unigram[unigramBest] || (unigram[x] == unigram[unigramBest] && x < unigramBest)) {
                unigramBest = x;
            }
            int c = bigram.merge(key(prev, x), 1, Integer::sum);
            prevTotal[prev]++;
            int best = bigramBest[prev];
            if (best < 0 || c > bigram.get(key(prev, best)) || (c == bigram.get(key(prev, best)) && x < best)) {
                bigramBest[prev] = x;
            }
            prev = x;
        }
    }

    /**
     * Cross-entropy and accuracy of the model on a completion given its prompt.
     *
     * @param loss receives {@code [sum of -ln p, correct tokens, tokens]} added to what it holds
     */
    void evaluate(Pair example, double[] loss) {
        Scorer s = scorer(example.prompt());
        List<String> tokens = TextTokens.split(example.completion());
        int prev = BOS;
        for (int t = 0; t <= tokens.size(); t++) {
            int target = t == tokens.size() ? EOS : tokenIds.getOrDefault(tokens.get(t), UNK);
            double p = s.probability(target, t, prev);
            loss[0] -= Math.log(p);
            if (s.best(t, prev) == target) {
                loss[1]++;
            }
            loss[2]++;
            s.advance(target, t);
            prev = target;
        }
    }

    /** As {@link #evaluate(Pair, double[])} for training example {@code i}. */
    void evaluate(int i, double[] loss) {
        evaluate(examples.get(i), loss);
    }

    /**
     * Generates a completion, token by token.
     *
     * @param temperature 0 for the most probable token each time, else sampling from the candidates
     * @param top how many alternatives to list per token (0 for none)
     */
    Generation generate(String prompt, int maxTokens, double temperature, Random random, int top) {
        Scorer s = scorer(prompt);
        boolean close = s.nearest >= CLOSE;
        if (close) {
            s = new Scorer(s.neighbours, s.weights, MAX_LAMBDA, s.nearest);
        }
        List<Generated> out = new ArrayList<>();
        // far from every trained prompt, the bigram model soon goes round in circles ("in the service portal under
        // Access > Phishing in the service portal ..."): the answer ends where it would repeat three tokens
        Set<List<Integer>> trigrams = new HashSet<>();
        int before = BOS;
        int prev = BOS;
        for (int t = 0; t < maxTokens; t++) {
            int[] candidates = s.candidates(t, prev);
            double[] p = new double[candidates.length];
            for (int k = 0; k < candidates.length; k++) {
                p[k] = s.probability(candidates[k], t, prev);
            }
            if (t == 0 && candidates.length > 1) {
                // no training completion is empty, so neither is an answer: the first token is never the end
                for (int k = 0; k < candidates.length; k++) {
                    if (candidates[k] == EOS) {
                        p[k] = 0;
                    }
                }
            }
            int chosen = temperature <= 0 ? argmax(candidates, p) : sample(candidates, p, temperature, random);
            if (chosen == EOS || (!close && t >= 2 && !trigrams.add(List.of(before, prev, chosen)))) {
                return new Generation(out, true);
            }
            double logprob = Math.log(s.probability(chosen, t, prev));
            List<Alternative> alternatives = new ArrayList<>();
            if (top > 0) {
                Integer[] order = new Integer[candidates.length];
                for (int k = 0; k < order.length; k++) {
                    order[k] = k;
                }
                Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(candidates[a], candidates[b]));
                for (int k = 0; k < Math.min(top, order.length); k++) {
                    alternatives.add(new Alternative(vocab.get(candidates[order[k]]), Math.log(p[order[k]])));
                }
            }
            out.add(new Generated(vocab.get(chosen), logprob, alternatives));
            s.advance(chosen, t);
            before = prev;
            prev = chosen;
        }
        return new Generation(out, false);
    }

    /** What {@link #generate} made; {@code ended} is true when the model chose to stop. */
    record Generation(List<Generated> tokens, boolean ended) {
    }

    /** One generated token with its log probability and the most probable alternatives. */
    record Generated(String token, double logprob, List<Alternative> top) {
    }

    /** A token and its log probability. */
    record Alternative(String token, double logprob) {
    }

    private static int argmax(int[] candidates, double[] p) {
        int best = 0;
        for (int k = 1; k < candidates.length; k++) {
            if (p[k] > p[best] || (p[k] == p[best] && candidates[k] < candidates[best])) {
                best = k;
            }
        }
        return candidates[best];
    }

    private static int sample(int[] candidates, double[] p, double temperature, Random random) {
        double[] w = new double[p.length];
        double sum = 0;
        for (int k = 0; k < p.length; k++) {
            w[k] = Math.pow(p[k], 1 / temperature);
            sum += w[k];
        }
        double r = random.nextDouble() * sum;
        for (int k = 0; k < p.length; k++) {
            r -= w[k];
            if (r <= 0) {
                return candidates[k];
            }
        }
        return candidates[p.length - 1];
    }

    private Scorer scorer(String prompt) {
        // the prompt's vector
        Map<Integer, Integer> tf = new LinkedHashMap<>();
        Map<String, Integer> unknown = new HashMap<>();
        for (String term : TextTokens.terms(prompt)) {
            Integer id = termIds.get(term);
            if (id == null) {
                unknown.merge(term, 1, Integer::sum);
            } else {
                tf.merge(id, 1, Integer::sum);
            }
        }
        double norm = 0;
        for (int c : unknown.values()) {
            double w = (1 + Math.log(c)) * unknownIdf;
            norm += w * w;
        }
        Map<Integer, Double> query = new LinkedHashMap<>();
        for (Map.Entry<Integer, Integer> e : tf.entrySet()) {
            double w = (1 + Math.log(e.getValue())) * idf[e.getKey()];
            query.put(e.getKey(), w);
            norm += w * w;
        }
        norm = Math.sqrt(norm);
        // dot products with every trained example that shares an indexed term
        double[] dots = new double[examples.size()];
        int[] touched = new int[16];
        int touchedCount = 0;
        if (norm > 0) {
            for (Map.Entry<Integer, Double> q : query.entrySet()) {
                Postings p = postings[q.getKey()];
                if (p == null) {
                    continue;
                }
                double qw = q.getValue() / norm;
                for (int k = 0; k < p.size; k++) {
                    int i = p.examples[k];
                    if (dots[i] == 0) {
                        if (touchedCount == touched.length) {
                            touched = Arrays.copyOf(touched, touchedCount * 2);
                        }
                        touched[touchedCount++] = i;
                    }
                    dots[i] += qw * p.weights[k];
                }
            }
        }
        // the best NEIGHBOURS by similarity, ties to the earlier example
        int[] nb = new int[Math.min(NEIGHBOURS, touchedCount)];
        int k = 0;
        for (int t = 0; t < touchedCount; t++) {
            int i = touched[t];
            int at = k;
            while (at > 0 && better(dots, i, nb[at - 1])) {
                at--;
            }
            if (at < nb.length) {
                int last = Math.min(k, nb.length - 1);
                System.arraycopy(nb, at, nb, at + 1, last - at);
                nb[at] = i;
                k = Math.min(k + 1, nb.length);
            }
        }
        double[] w = new double[k];
        double lambda = 0;
        double top = 0;
        if (k > 0) {
            top = dots[nb[0]];
            double sum = 0;
            for (int j = 0; j < k; j++) {
                w[j] = Math.exp((dots[nb[j]] - top) / TAU);
                sum += w[j];
            }
            double trained = 0;
            for (int j = 0; j < k; j++) {
                w[j] /= sum;
                trained += w[j] * seen[nb[j]];
            }
            lambda = Math.min(MAX_LAMBDA, (1 - Math.exp(-lr * trained)) * Math.min(1, top));
        }
        return new Scorer(nb, w, lambda, top);
    }

    /** The cosine similarity of the prompt to its nearest trained prompt, 0 when it shares no indexed term. */
    double nearestSimilarity(String prompt) {
        return scorer(prompt).nearest;
    }

    private static boolean better(double[] dots, int a, int b) {
        return dots[a] > dots[b] || (dots[a] == dots[b] && a < b);
    }

    /** A growable list of (example, weight). */
    private static final class Postings {
        int[] examples = new int[4];
        double[] weights = new double[4];
        int size;

        void add(int example, double weight) {
            if (size == examples.length) {
                examples = Arrays.copyOf(examples, size * 2);
                weights = Arrays.copyOf(weights, size * 2);
            }
            examples[size] = example;
            weights[size] = weight;
            size++;
        }
    }

    private double unigramP(int x) {
        return (unigram[x] + ALPHA) / (unigramTotal + ALPHA * vocab.size());
    }

    private double backgroundP(int x, int prev) {
        Integer c = bigram.get(key(prev, x));
        return ((c == null ? 0 : c) + GAMMA * unigramP(x)) / (prevTotal[prev] + GAMMA);
    }

    private static long key(int prev, int x) {
        return ((long) prev << 32) | (x & 0xffffffffL);
    }

    private static void normalize(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] /= norm;
            }
        }
    }

    /** The next-token distribution for one prompt, following the text so far. */
    private final class Scorer {
        private final int[] neighbours;
        private final double[] weights;
        private final double lambda;
        private final double nearest;
        private final boolean[] diverged;

        Scorer(int[] neighbours, double[] weights, double lambda, double nearest) {
            this.neighbours = neighbours;
            this.weights = weights;
            this.lambda = lambda;
            this.nearest = nearest;
            this.diverged = new boolean[neighbours.length];
        }

        private int tokenOf(int j, int t) {
            int[] c = completions[neighbours[j]];
            return t < c.length ? c[t] : EOS;
        }

        double probability(int x, int t, int prev) {
            double retrieval = 0;
            if (lambda > 0) {
                double mass = 0;
                double total = 0;
                for (int j = 0; j < neighbours.length; j++) {
                    double w = weights[j] * (diverged[j] ? DIVERGED : 1);
                    total += w;
                    if (tokenOf(j, t) == x) {
                        mass += w;
                    }
                }
                retrieval = mass / total;
            }
            return lambda * retrieval + (1 - lambda) * backgroundP(x, prev);
        }

        int[] candidates(int t, int prev) {
            int[] c = new int[neighbours.length + 2];
            int n = 0;
            for (int j = 0; j < neighbours.length; j++) {
                n = addDistinct(c, n, tokenOf(j, t));
            }
            if (prev < bigramBest.length && bigramBest[prev] >= 0) {
                n = addDistinct(c, n, bigramBest[prev]);
            }
            n = addDistinct(c, n, unigramBest);
            return Arrays.copyOf(c, n);
        }

        int best(int t, int prev) {
            int[] c = candidates(t, prev);
            double[] p = new double[c.length];
            for (int k = 0; k < c.length; k++) {
                p[k] = probability(c[k], t, prev);
            }
            return argmax(c, p);
        }

        void advance(int chosen, int t) {
            for (int j = 0; j < neighbours.length; j++) {
                if (tokenOf(j, t) != chosen) {
                    diverged[j] = true;
                }
            }
        }

        private static int addDistinct(int[] c, int n, int x) {
            for (int k = 0; k < n; k++) {
                if (c[k] == x) {
                    return n;
                }
            }
            c[n] = x;
            return n + 1;
        }
    }
}
