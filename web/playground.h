/* SPDX-License-Identifier: MIT */
/*
 * The playground's C interface: what the web page (through its worker) calls in the WebAssembly build. One
 * network at a time, held by this module; plain numbers and pointers only, so that JavaScript can call every
 * function with ccall/cwrap and read arrays straight from the module's memory.
 *
 * Settings travel as an array of doubles indexed by pg_setting (the page keeps the same numbering). Book
 * mode (pg_book_settings) is exactly the chapter-10 program ch10_adam_spiral: the spiral, seed 0, 100 points
 * per class, Dense(2,64) -> ReLU -> Dense(64,3) -> softmax, Adam(0.05, decay 5e-7), the whole batch, with
 * numpy's arithmetic; its log lines are the program's, character for character.
 */
#ifndef NNB_WEB_PLAYGROUND_H
#define NNB_WEB_PLAYGROUND_H

#include <stddef.h>
#include <stdint.h>

/** Indices into the settings array of pg_create. */
typedef enum pg_setting {
    PG_DATASET = 0,       /**< 0 spiral, 1 vertical, 2 sine (regression) */
    PG_SAMPLES = 1,       /**< points per class (spiral, vertical) or in all (sine) */
    PG_CLASSES = 2,       /**< classes (spiral, vertical; 2 to 8) */
    PG_SEED = 3,          /**< the generator's seed (data, then weights) */
    PG_LAYERS = 4,        /**< hidden layers, 1 to PG_MAX_LAYERS */
    PG_WIDTH0 = 5,        /**< neurons of hidden layer 1; the next PG_MAX_LAYERS - 1 entries the others */
    PG_ACTIVATION = 9,    /**< hidden activation: 0 ReLU, 1 sigmoid, 2 linear */
    PG_OPTIMIZER = 10,    /**< 0 SGD, 1 AdaGrad, 2 RMSprop, 3 Adam */
    PG_LR = 11,           /**< learning rate */
    PG_DECAY = 12,        /**< learning-rate decay */
    PG_MOMENTUM = 13,     /**< SGD momentum (0 = plain SGD) */
    PG_L1 = 14,           /**< L1 factor on every hidden layer's weights and biases */
    PG_L2 = 15,           /**< L2 factor on every hidden layer's weights and biases */
    PG_DROPOUT = 16,      /**< dropout rate after each hidden activation (0 = none) */
    PG_BATCH = 17,        /**< rows per step (0 = the whole data set) */
    PG_NUMPY = 18,        /**< non-zero: numpy's arithmetic (the book's numbers, bit for bit) */
    PG_SETTING_COUNT = 19 /**< entries in the array */
} pg_setting;

enum { PG_MAX_LAYERS = 4, PG_MAX_WIDTH = 512, PG_MAX_CLASSES = 8 };

/** Fills out[PG_SETTING_COUNT] with book mode's settings (chapter 10's Adam run). */
void pg_book_settings(double *out);

/**
 * Builds the data (training, and a validation draw of the same size from seed + 1) and the network.
 * @return 0, or a library status (nnb_status) with pg_error() saying why; the previous network is gone.
 */
int pg_create(const double *settings, size_t count);

/** Frees the network and data. */
void pg_destroy(void);

/**
 * Trains `epochs` more epochs (one optimizer step per batch).
 * @return 0, or a library status (training stopped; pg_error() says why).
 */
int pg_train(int epochs);

/** Epochs trained so far. The figures below belong to the last of them (the book's numbering from 0). */
int pg_epoch(void);
double pg_loss(void);
double pg_accuracy(void);
double pg_lr(void);

/** The book's line for the last epoch: "epoch: E, acc: A, loss: L, lr: R" (valid until the next call). */
const char *pg_log_line(void);

/** Evaluates the validation data (dropout off): then read pg_val_loss and pg_val_accuracy. @return 0 or a status. */
int pg_validate(void);
double pg_val_loss(void);
double pg_val_accuracy(void);

/** The training data: rows, inputs per row (2, or 1 for sine), the points and the labels (or sine's targets). */
int pg_rows(void);
int pg_inputs(void);
int pg_classes(void);
const float *pg_points(void);
const uint32_t *pg_labels(void);
const float *pg_targets(void);

/**
 * Predicts a grid: res x res points over [-1, 1]^2, row 0 at y = 1 (for sine: res points over [0, 1]).
 * @return the outputs, res * res * classes floats (res for sine), valid until the next call; NULL on failure.
 */
const float *pg_grid(int res);

/** The last failure's explanation ("" if none). */
const char *pg_error(void);

#endif
