package dev.finetuner.local;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Trains a {@link NeighbourModel} batch by batch: each epoch visits the examples in an order shuffled
 * by the job's seed; each step first measures the model on its batch (the train loss and accuracy, as
 * a training step reports them before its update), then learns the batch. With validation examples,
 * each step also measures a batch of them, and each epoch's end measures all of them. Same examples,
 * hyperparameters and seed: same numbers.
 */
final class TrainingRun {
    private final NeighbourModel model;
    private final List<NeighbourModel.Pair> validation;
    private final int epochs;
    private final int batchSize;
    private final int stepsPerEpoch;
    private final Random random;
    private final List<Integer> order = new ArrayList<>();
    private int done;
    private int orderEpoch = -1;
    private int validCursor;

    /**
     * The result of one step.
     *
     * @param step 1-based step number
     * @param epoch 1-based epoch of the step
     * @param epochEnd true for the last step of an epoch
     * @param batchTokens tokens of the batch's completions
     * @param trainLoss mean cross-entropy per completion token on the batch, before learning it
     * @param trainAccuracy share of the batch's tokens predicted right
     * @param validLoss the same on a batch of validation examples; NaN without validation examples
     * @param validAccuracy as above
     * @param fullValidLoss on all validation examples, at an epoch's end; NaN otherwise
     * @param fullValidAccuracy as above
     */
    record Step(int step, int epoch, boolean epochEnd, long batchTokens, double trainLoss, double trainAccuracy,
                double validLoss, double validAccuracy, double fullValidLoss, double fullValidAccuracy) {
    }

    TrainingRun(NeighbourModel model, List<NeighbourModel.Pair> validation, int epochs, int batchSize, long seed) {
        if (model.size() == 0) {
            throw new IllegalArgumentException("no training examples");
        }
        this.model = model;
        this.validation = List.copyOf(validation);
        this.epochs = epochs;
        this.batchSize = Math.min(batchSize, model.size());
        this.stepsPerEpoch = (model.size() + this.batchSize - 1) / this.batchSize;
        this.random = new Random(seed);
    }

    int totalSteps() {
        return stepsPerEpoch * epochs;
    }

    int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    int done() {
        return done;
    }

    NeighbourModel model() {
        return model;
    }

    /** Tokens of the next step's batch (for the clock), without running it. */
    long nextBatchTokens() {
        if (done >= totalSteps()) {
            return 0;
        }
        shuffleIfNewEpoch();
        long tokens = 0;
        for (int i : batch()) {
            tokens += model.completionTokens(i);
        }
        return tokens;
    }

    /** Runs the next step. */
    Step step() {
        if (done >= totalSteps()) {
            throw new IllegalStateException("training is over");
        }
        shuffleIfNewEpoch();
        List<Integer> batch = batch();
        double[] train = new double[3];
        long tokens = 0;
        for (int i : batch) {
            model.evaluate(i, train);
            tokens += model.completionTokens(i);
        }
        double[] valid = new double[3];
        if (!validation.isEmpty()) {
            for (int k = 0; k < Math.min(batchSize, validation.size()); k++) {
                model.evaluate(validation.get(validCursor), valid);
                validCursor = (validCursor + 1) % validation.size();
            }
        }
        for (int i : batch) {
            model.learn(i);
        }
        done++;
        boolean epochEnd = done % stepsPerEpoch == 0;
        double[] full = new double[3];
        if (epochEnd) {
            for (NeighbourModel.Pair p : validation) {
                model.evaluate(p, full);
            }
        }
        return new Step(done, (done - 1) / stepsPerEpoch + 1, epochEnd, tokens, train[0] / train[2],
                train[1] / train[2], ratio(valid[0], valid[2]), ratio(valid[1], valid[2]), ratio(full[0], full[2]),
                ratio(full[1], full[2]));
    }

    private static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }

    private void shuffleIfNewEpoch() {
        int epoch = done / stepsPerEpoch;
        if (orderEpoch != epoch) {
            order.clear();
            for (int i = 0; i < model.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, random);
            orderEpoch = epoch;
        }
    }

    private List<Integer> batch() {
        int from = (done % stepsPerEpoch) * batchSize;
        return order.subList(from, Math.min(order.size(), from + batchSize));
    }
}
