/*
 * model_cli: the `stonks train` and `stonks eval` commands of the
 * embedded sentiment model. Both read labelled sentences, one
 * `sentence@label` a line (the label after the last '@': negative,
 * neutral or positive), with paths relative to the working directory.
 */
#ifndef STONKS_MODEL_CLI_H
#define STONKS_MODEL_CLI_H

/* Where the shipped weights live, relative to the repository root;
 * the environment variable STONKS_MODEL_PATH overrides it. */
#define MODEL_CLI_DEFAULT_WEIGHTS "data/model/sentiment.weights"

/* `stonks train`: fits the model and writes the weights file, or with
 * --cv reports cross-validated scores on the training part, or with
 * --split writes the held-out file. argv[0] is the command name.
 * Returns the process exit status (0 ok, 1 failure, 2 usage). */
int cmd_train(int argc, char **argv);

/* `stonks eval`: accuracy, macro-F1, confusion matrix and speed of a
 * weights file on a labelled file. Same conventions as cmd_train. */
int cmd_eval(int argc, char **argv);

#endif
