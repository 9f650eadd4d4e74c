"""LSTMRegressor: the estimator's scikit-learn plumbing.

Parameters, input validation, the order of a fit (seed, initialise, hold out
the validation tail, start the linear branch, train, decide what to keep),
prediction and the fitted state. The network comes from :mod:`._network`,
training from :mod:`._loop`, prediction from :mod:`._inference`, and the
scikeras hooks from :mod:`._scikeras`. Most of its length is the numpydoc
of two dozen parameters and the input checks with their messages.
"""

from __future__ import annotations

import inspect

import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from numbers import Integral, Real

import keras
import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_random_state, validate_data

from ..exceptions import NotFittedError, TrainingDivergedError
from ..utils._conformal import ConformalIntervalMixin
from ..utils._history import index_of, next_label_of, steps_after
from ..utils._panel import Panel, is_panel
from ..utils._validation import check_finite_target, check_numeric_columns
from ..utils._warnings import user_stacklevel
from . import _linear, _quantile, _runtime
from ._inference import InferencePlan
from ._inference import predict as run_inference
from ._kernels import KERNELS, has_missing_steps, select_kernel
from ._loop import train
from ._network import Network
from ._scikeras import _LOSSES, _OPTIMIZERS, ScikerasAdapter, check_units
from ._windows import RowWindows, leading_missing, windows_of

#: Largest magnitude that passes without the unscaled-data warning of
#: ``_check_magnitudes`` (larger inputs take the full validation).
_PLAIN_INPUT_PEAK = 1e4
#: Private attributes rebuilt from the fitted state, never part of it.
_DERIVED = ("_network", "_inference", "_fit_callbacks", "_predict_callbacks", "_run")
#: Fitted attributes rebuilt from the others (the encoders hold nothing else).
_DERIVED_FITTED = ("target_encoder_", "feature_encoder_")


@dataclass
class _FitRun:
    """What one call of ``fit`` / ``partial_fit`` tells the steps scikeras calls back.

    ``seed`` seeds the network (:func:`~._network.build_network`) and
    ``shuffle``, the generator of each epoch's sample order: the fit's own, so
    nothing it draws comes from the process-wide generators. ``continued`` is
    a ``partial_fit`` epoch; ``tail`` marks a panel's validation rows.
    """

    seed: int | None
    continued: bool
    tail: np.ndarray | None
    #: the position in ``fit``'s X of each row trained on, in the order trained on
    rows: np.ndarray | None = None
    #: the position in the ``y`` handed to scikeras of each row of its ``X``; None when they are aligned
    #: (a panel's targets are reordered once, when training takes them, not copied at every step before)
    y_rows: np.ndarray | None = None
    shuffle: object = field(init=False)
    #: the validation tail's windows, targets (as the network predicts them) and positions in ``fit``'s X
    validation: tuple | None = field(init=False, default=None)
    #: () -> None refitting the linear start on every row, training and validation tail, once the
    #: validation tail has been scored (set when that start is kept as the whole model)
    refit_linear: object = field(init=False, default=None)

    def __post_init__(self):
        self.shuffle = np.random.RandomState(self.seed) if self.seed is not None else np.random


def _unpickled_instance(cls, fitted):
    """An empty ``cls`` for pickle to fill with its state; for a fitted one, TensorFlow's settings first."""
    if fitted:
        _runtime.configure()
    return cls.__new__(cls)


def auto_batch_size(n_samples, smallest=32, largest=256, steps_per_pass=1024):
    """``batch_size="auto"``: ``smallest``, doubled while a pass over ``n_samples`` takes more than
    ``steps_per_pass`` steps, at most ``largest``.

    Examples
    --------
    >>> [auto_batch_size(n) for n in (100, 30_000, 40_000, 100_000, 400_000)]
    [32, 32, 64, 128, 256]
    """
    size = smallest
    while size < largest and n_samples > steps_per_pass * size:
        size *= 2
    return size


def _count_interior_gaps(missing):
    """Samples with a missing step after an observed one (not just warm-up).

    ``missing`` is ``(n_samples, n_timesteps)``: a step with a NaN in any feature.
    """
    return int((missing[:, 1:] & ~missing[:, :-1]).any(axis=1).sum())


class LSTMRegressor(ConformalIntervalMixin, RegressorMixin, ScikerasAdapter):
    """LSTM regressor for windows of a time series, with a scikit-learn API.

    Built on scikeras' ``BaseWrapper`` with :class:`~sklearn.base.RegressorMixin`
    first, so :func:`~sklearn.base.is_regressor` is True and it works in
    :class:`~sklearn.pipeline.Pipeline`, :class:`~sklearn.compose.TransformedTargetRegressor`,
    :class:`~sklearn.ensemble.VotingRegressor`, :class:`~sklearn.ensemble.StackingRegressor`,
    searches, ``clone`` and pickle. Hyperparameters are flat constructor
    arguments, so grids read like ``{"units": [16, 32], "dropout": [0, 0.2]}``.

    ``fit`` holds out the most recent ``validation_fraction`` of the samples
    (time order is kept: the tail, never a shuffled subset), stops when the
    validation loss has not improved for ``patience`` epochs, and restores the
    best weights. A NaN or infinite loss stops training with
    :class:`~skl_lstm.exceptions.TrainingDivergedError` and leaves the
    estimator unfitted.

    Parameters
    ----------
    units : int or tuple of int, default=32
        Units of the LSTM layer; a tuple such as ``(64, 32)`` stacks layers.
    n_features : int or None, default=None
        Number of series per time step in 2-D ``X`` (whose columns are
        ``window * n_features`` time-major lags, as
        :class:`~skl_lstm.WindowTransformer` outputs). None reads it from the
        data: the warm-up rows WindowTransformer writes at the start of a
        series are missing ``n_features`` more values per row (see
        :func:`skl_lstm.preprocessing.window_layout`), so NumPy and pandas
        windows give the same network. Where ``X`` has no warm-up rows (windows
        cut before cross-validation, say), 1 is assumed with a warning that
        says to pass ``n_features``. Ignored for 3-D ``X`` of shape
        ``(samples, timesteps, features)``.
    lookback : int or None, default=None
        None: ``X`` holds windows (as above). An int ``W``: ``X`` holds rows of
        observed values, one per time step (n_samples, n_features), of one
        series in time order or of a panel (a DataFrame indexed by (series,
        time), rows in any order), and each row's input is the ``W`` rows
        ending at it within its own series; the windows are gathered per batch
        inside the training step, so memory grows with the rows, not with
        ``rows x window`` (see ``skl_lstm/lstm/_windows.py``). Rows passed to
        ``predict`` that continue the fitted series (pandas index) get the
        fitted rows as history. Leading rows with NaN in a series (what
        differencing leaves, e.g. ``WindowTransformer(1, diff=1)``) are
        missing history, masked as in windows mode; a NaN after an observed
        row (a gap) makes the windows be built in memory, masked the same way.
        ``"auto"``: the window is chosen from the series by an enclosing
        :class:`~skl_lstm.DifferencedTargetRegressor` (its ``choices_``), as
        in :func:`~skl_lstm.recommended_pipeline`; on its own, an error.
    activation : str, default="tanh"
        Activation of the LSTM cell output.
    dropout : float, default=0.0
        Fraction of the inputs dropped at each step during training.
    recurrent_dropout : float, default=0.0
        Fraction of the recurrent state dropped during training.
    l1 : float, default=0.0
        L1 penalty on the LSTM kernels and output weights.
    l2 : float, default=0.0
        L2 penalty on the LSTM kernels and output weights.
    linear_skip : bool, default=False
        Add a linear (autoregressive) branch from the whole window to the
        output, in parallel with the LSTM, as in LSTNet. Before training it is
        set to the ridge least-squares fit of the training windows, not the
        validation tail (:class:`~sklearn.linear_model.RidgeCV`, whose closed
        form needs no early stopping), and frozen; the LSTM's output weights
        start at zero and the LSTM is trained on the linear fit's residuals.
        The network thus starts as the best linear model of the windows and
        learns only what that model misses. With early stopping and a
        validation tail, the fit keeps the linear start itself
        (``best_epoch_ == 0``) when no epoch beats it on that tail, so the
        LSTM part is only used where it helps; the tail, which the start
        never saw, scores both alike (and gives ``calibration_residuals_``),
        and a start kept is then refitted on every window, tail included.
        Missing steps count as 0 (the
        mean, after scaling) in the linear branch. The saved network holds
        both branches.
    loss : {"mse", "mae", "huber"} or keras.losses.Loss, default="mse"
        Training loss. ``"huber"`` resists outliers; set its threshold with
        ``loss__delta``. With ``quantiles`` the loss is the pinball loss, and
        ``loss`` must stay at its default.
    quantiles : sequence of float or None, default=None
        None: the network learns one forecast per output, trained on
        ``loss``. A sequence of levels strictly between 0 and 1, e.g.
        ``(0.05, 0.5, 0.95)``: one network learns every level (its head has
        one unit per level and output) on the mean pinball loss over them,
        and early stopping watches that loss on the validation tail. 0.5 is
        always trained (added when not listed): :meth:`predict` returns it,
        the median, as the point forecast, so scoring is unchanged. With
        ``linear_skip`` every level starts at the ridge fit and the LSTM
        learns each level's offset from it. Quantiles never cross (each row's
        are sorted). :meth:`predict_quantiles` and :meth:`predict_interval`
        return the trained levels, conformalised on the validation tail
        (``interval_method_``); other levels come from the residuals
        (``calibration_residuals_``), as without ``quantiles``. See
        ``docs/intervals.md``.
    optimizer : {"adam", "adamw", "rmsprop", "sgd"} or keras.optimizers.Optimizer, default="adam"
        Optimizer; other arguments are routed with ``optimizer__<name>``
        (e.g. ``optimizer__clipnorm=1.0``).
    learning_rate : float, default=0.001
        Learning rate of a named optimizer.
    epochs : int, default=100
        Maximum number of passes over the training samples.
    batch_size : int or "auto", default=32
        Samples per gradient step (capped at the number of training samples).
        ``"auto"``: 32, doubled while one pass over the training samples
        would take more than 1024 steps, up to 256 (a large panel's hundreds
        of thousands of windows then train on 256 per step, a single series
        on 32). The size used is ``batch_size_``.
    steps_per_epoch : int or None, default=None
        Gradient steps per epoch. None: an epoch is one pass over the
        training samples. An int caps it: each epoch takes the next
        ``steps_per_epoch`` batches of a stream of shuffled passes, so every
        sample is seen once before any is seen twice, and ``epochs`` and
        ``patience`` count budgeted epochs. On a large panel this bounds the
        work between two looks at the validation loss (and the whole fit, to
        ``epochs * steps_per_epoch`` steps) whatever the number of series.
        A series short enough for one pass to fit in the cap trains exactly
        as with None.
    validation_fraction : float, default=0.1
        Fraction of the most recent samples held out to monitor validation
        loss. 0 disables it (early stopping then watches the training loss).
    early_stopping : bool, default=True
        Stop when the monitored loss has not improved for ``patience`` epochs,
        and restore the weights of the best epoch.
    patience : int, default=10
        Epochs without improvement before stopping.
    random_state : int, RandomState instance or None, default=None
        Seed for weight initialisation, dropout and shuffling. An int gives
        identical predictions on every fit (on the same machine and backend).
        The global Python, NumPy and TensorFlow seeds are restored after ``fit``.
    verbose : int, default=0
        Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch.
    warm_start : bool, default=False
        If True, ``fit`` continues from the current weights (see also
        :meth:`partial_fit`).
    callbacks : list of keras.callbacks.Callback or None, default=None
        Extra Keras callbacks for ``fit``. They are called at the start and
        end of training and of every epoch; a callback that needs per-batch
        hooks makes ``fit`` run through ``keras.Model.fit`` (slower).
    training_kernel : {"auto", "fused", "keras"}, default="auto"
        How the LSTM is computed during training (prediction, saving and the
        stored weights are the same Keras model either way). ``"auto"`` uses
        TensorFlow's fused ``BlockLSTM`` op where it reproduces the Keras
        layer and is faster (at most 64 units, ``batch_size * units`` at
        most 4096 unless steps are masked, default activations, no
        ``recurrent_dropout``), and the
        Keras ``LSTM`` layer otherwise. ``"keras"`` always uses the Keras
        layer; ``"fused"`` insists on the fused op and raises if the model
        needs the Keras layer. The two compute the same function, but sum in
        a different order: losses agree to about 1e-7 per step, and trained
        weights drift apart by rounding over many epochs (as between two
        machines). See ``docs/performance.md``.
    **kwargs : dict
        Routed parameters, as in scikeras: ``optimizer__*`` (e.g.
        ``optimizer__clipnorm=1.0``), ``loss__*`` (e.g. ``loss__delta=0.5``),
        ``compile__*`` (``keras.Model.compile``) and ``model__*`` (passed to
        :func:`skl_lstm.lstm.build_network`, e.g. ``model__unroll=True``).

    Attributes
    ----------
    model_ : keras.Model
        The trained network.
    history_ : dict of list
        Per-epoch ``"loss"`` and, with a validation tail, ``"val_loss"``.
    best_epoch_ : int
        Epoch (1-based) whose weights were kept; 0 when ``linear_skip=True``
        and no epoch beat the linear start on the validation tail (the LSTM
        head is then zero and the network is its linear branch).
    n_epochs_ : int
        Epochs actually run.
    n_validation_ : int
        Training windows held out as the validation tail (the most recent
        ones; 0 without one).
    batch_size_ : int
        Samples per gradient step in the last ``fit``.
    n_timesteps_ : int
        Time steps per sample.
    n_features_per_step_ : int
        Series per time step.
    n_features_in_ : int
        Columns of 2-D ``X`` (or time steps of 3-D ``X``).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` has string column names.
    n_outputs_ : int
        Number of targets.
    training_kernel_ : {"fused", "keras", "fit"}
        How the last ``fit`` trained: the fused op, the Keras layer in the
        compiled loop, or ``keras.Model.fit`` (a callback with per-batch
        hooks, or a backend other than TensorFlow).
    calibration_residuals_ : ndarray of shape (n_calibration, n_outputs)
        Residuals ``y - predict`` of the kept weights on the validation tail
        (rows the fit did not train on; ``n_validation_`` of them, none
        without a tail), or on the rows passed to :meth:`calibrate`. They
        calibrate :meth:`predict_interval` and :meth:`predict_quantiles`
        (split conformal; see ``docs/intervals.md``).
    calibration_rows_ : ndarray of int
        Positions of those rows in the ``X`` passed to ``fit`` (or to
        :meth:`calibrate`), so that a wrapper can read what it knows of them
        (:class:`~skl_lstm.DifferencedTargetRegressor` reads their scale).
    calibration_source_ : str or None
        Where the residuals came from, when not the validation tail of ``fit``.
    quantiles_ : ndarray of float or None
        The levels trained (``quantiles`` sorted, with 0.5), None without ``quantiles``.
    calibration_quantile_scores_ : ndarray of shape (n_calibration, n_quantiles, n_outputs) or None
        ``y - q`` of each trained level's quantile ``q`` on the calibration
        rows (those of ``calibration_residuals_``); they conformalise the
        trained levels. None without ``quantiles``.
    interval_method_ : str
        How :meth:`predict_interval` and :meth:`predict_quantiles` compute
        the trained levels: ``"conformalized quantile regression"`` (the
        network's quantiles moved by the conformal quantiles of their scores
        on the calibration rows), ``"quantile regression"`` (the network's
        quantiles as they are, when there are no calibration rows), or
        ``"split conformal"`` without ``quantiles``; levels that were not
        trained always use split conformal on ``calibration_residuals_``.

    See Also
    --------
    skl_lstm.WindowTransformer : Builds the windows this model reads.
    skl_lstm.recommended_pipeline : The complete leak-free forecasting pipeline.

    Notes
    -----
    Samples whose window has no observed step at all are left out of
    training. At prediction they get the forecast of an empty history, with
    a warning.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_lstm import LSTMRegressor, WindowTransformer
    >>> t = np.arange(120.0)
    >>> X = WindowTransformer(window=8).fit_transform(np.sin(t / 4)[:, None])
    >>> model = LSTMRegressor(units=8, epochs=5, random_state=0).fit(X, np.sin((t + 1) / 4))
    >>> model.predict(X[-2:]).shape
    (2,)

    Intervals are calibrated on the validation tail the fit held out (its
    residuals, ``calibration_residuals_``): 12 of them allow up to 92 %.

    >>> model.calibration_residuals_.shape
    (12, 1)
    >>> lower, upper = model.predict_interval(X[-2:], coverage=0.8).T
    >>> bool((lower < model.predict(X[-2:])).all() and (model.predict(X[-2:]) < upper).all())
    True

    With ``quantiles``, one network learns those levels and the median
    (what ``predict`` returns) on the pinball loss:

    >>> model = LSTMRegressor(units=8, epochs=5, quantiles=(0.1, 0.9), random_state=0).fit(X, np.sin((t + 1) / 4))
    >>> model.quantiles_.tolist(), model.interval_method_
    ([0.1, 0.5, 0.9], 'conformalized quantile regression')
    >>> model.predict_quantiles(X[-2:], quantiles=(0.1, 0.5, 0.9)).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        "units": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "n_features": [Interval(Integral, 1, None, closed="left"), None],
        "lookback": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "activation": [str],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
        "linear_skip": ["boolean"],
        "loss": [StrOptions(set(_LOSSES)), keras.losses.Loss],
        "quantiles": ["array-like", None],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), keras.optimizers.Optimizer],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "steps_per_epoch": [Interval(Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "callbacks": [list, None],
        "training_kernel": [StrOptions(set(KERNELS))],
    }

    def __init__(
        self,
        units=32,
        *,
        n_features=None,
        lookback=None,
        activation="tanh",
        dropout=0.0, recurrent_dropout=0.0,
        l1=0.0, l2=0.0,
        linear_skip=False,
        loss="mse", quantiles=None, optimizer="adam", learning_rate=0.001,
        epochs=100, batch_size=32, steps_per_epoch=None,
        validation_fraction=0.1, early_stopping=True, patience=10,
        random_state=None,
        verbose=0,
        warm_start=False,
        callbacks=None,
        training_kernel="auto",
        **kwargs,
    ):
        self.units = units
        self.n_features = n_features
        self.lookback = lookback
        self.activation = activation
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.l1 = l1
        self.l2 = l2
        self.linear_skip = linear_skip
        self.loss = loss
        self.quantiles = quantiles
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.steps_per_epoch = steps_per_epoch
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.training_kernel = training_kernel
        vars(self).update(kwargs)


    # ----------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Train the network on windows ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, window * n_features) or (n_samples, timesteps, features)
            Windows, oldest step first. NaN may mark missing leading steps.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets (several columns for several horizons).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.
        **kwargs : dict
            ``epochs`` and ``initial_epoch`` override the constructor's for this call.

        Returns
        -------
        self : LSTMRegressor
            The fitted estimator.
        """
        unknown = set(kwargs) - {"epochs", "initial_epoch"}
        if unknown:
            raise TypeError(
                f"LSTMRegressor.fit got unexpected keyword argument(s) {sorted(unknown)}; set "
                "hyperparameters in the constructor or with set_params instead."
            )
        return self._train(
            X,
            y,
            sample_weight,
            epochs=kwargs.get("epochs", self.epochs),
            initial_epoch=kwargs.get("initial_epoch", 0),
            warm_start=self.warm_start,
            continued=False,
        )

    def partial_fit(self, X, y, sample_weight=None):
        """Train one more epoch on ``(X, y)``, continuing from the current weights.

        The first call initialises the network (and, with ``linear_skip``,
        its linear start) as ``fit`` does; every call then runs one epoch and
        appends to ``history_``. The most recent ``validation_fraction`` of
        the samples is still held out, for ``history_["val_loss"]``; early
        stopping and the choice of the linear start, which need several
        epochs, are left to the caller. With an int ``random_state``, call
        ``k`` shuffles with seed ``random_state + k``, so a sequence of calls
        is reproducible.

        Parameters
        ----------
        X : array-like of shape (n_samples, window * n_features) or (n_samples, timesteps, features)
            Windows in the layout of the first call.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, with as many columns as in the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : LSTMRegressor
            The estimator, trained one more epoch.

        Examples
        --------
        Three epochs, one call each, on a sine's windows:

        >>> import numpy as np
        >>> from skl_lstm import LSTMRegressor, WindowTransformer
        >>> series = np.sin(np.arange(81.0) / 4)
        >>> windows = WindowTransformer(window=6).fit_transform(series[:-1, None])
        >>> model = LSTMRegressor(units=4, random_state=0)
        >>> for _ in range(3):
        ...     model = model.partial_fit(windows, series[1:])
        >>> model.n_epochs_, len(model.history_["loss"])
        (3, 3)
        """
        return self._train(
            X, y, sample_weight, epochs=1, initial_epoch=self.current_epoch, warm_start=True, continued=True
        )

    def _train(self, X, y, sample_weight, *, epochs, initial_epoch, warm_start, continued):
        self._validate_params()
        check_units(self.units)
        self._check_param_names(set(self.get_params(deep=False)) - self._constructor_params())
        _runtime.configure()
        seed = None
        if self.random_state is not None:
            seed = int(check_random_state(self.random_state).randint(2**31 - 1)) + (initial_epoch if continued else 0)
        fitted_before = set(vars(self))
        self._check_quantiles(warm_start and self.initialized_)
        X, y, sample_weight, tail, rows, y_rows = self._tails_last(X, y, sample_weight)
        # scikeras' _fit calls back into _build_keras_model and _fit_keras_model: what
        # they need of this one fit travels in one transient object, dropped after it
        self._run = _FitRun(seed, continued, tail, rows, y_rows)
        try:
            with _runtime.seeded(seed):
                self._fit(
                    X=X, y=y, sample_weight=sample_weight, warm_start=warm_start, epochs=epochs,
                    initial_epoch=initial_epoch,
                )
            validation, refit_linear = self._run.validation, self._run.refit_linear
        except BaseException:
            if not warm_start:
                for name in set(vars(self)) - fitted_before:
                    delattr(self, name)
                for name in ("model_", "history_", "_network", "_inference"):
                    vars(self).pop(name, None)
            raise
        finally:
            vars(self).pop("_run", None)
        self._inference = InferencePlan(self._network)  # reads the trained weights
        self._record_calibration(validation)
        if refit_linear is not None:
            # the validation tail was scored (early stopping, the linear start's test, the calibration
            # residuals) by a linear start fitted without it; the model kept has that start refitted on all rows
            refit_linear()
            self._inference = InferencePlan(self._network)
        return self

    def _check_quantiles(self, continuing):
        """Set ``quantiles_`` from ``quantiles``, or raise a ValueError that says what to change."""
        levels = _quantile.trained_levels(self.quantiles)
        if levels is not None and not (isinstance(self.loss, str) and self.loss == "mse"):
            raise ValueError(
                f"LSTMRegressor: loss={self.loss!r} cannot be combined with quantiles={self.quantiles!r}, which "
                "train on the pinball loss; leave loss at its default, or pass quantiles=None."
            )
        if continuing:
            fitted = getattr(self, "quantiles_", None)
            if (fitted is None) != (levels is None) or (levels is not None and not np.array_equal(fitted, levels)):
                raise ValueError(
                    f"LSTMRegressor: quantiles={self.quantiles!r} differs from the levels the network was fitted on "
                    f"({None if fitted is None else fitted.tolist()}); continuing needs the same network. Set "
                    "warm_start=False to fit anew, or pass the fitted levels."
                )
        self.quantiles_ = levels

    def _record_calibration(self, validation):
        """``calibration_residuals_``: the residuals of the kept weights on the validation tail (none without one)."""
        self.calibration_source_ = None
        if validation is None:
            self.calibration_residuals_ = np.zeros((0, self.n_outputs_))
            self.calibration_rows_ = np.zeros(0, dtype=np.intp)
            self._record_quantile_scores(None, None)
            return
        X_val, y_val, self.calibration_rows_ = validation
        y_hat = self._quantile_output(run_inference(self._inference, X_val, dtype=np.float64))
        y_val = np.asarray(y_val, dtype=np.float64).reshape(len(y_hat), -1)
        self._record_quantile_scores(y_val, y_hat)
        if self.quantiles_ is not None:
            y_hat = y_hat[:, self._median]
        self.calibration_residuals_ = y_val.reshape(y_hat.shape) - y_hat

    def _record_quantile_scores(self, y, quantiles):
        """``calibration_quantile_scores_`` (``y - q`` per trained level) and ``interval_method_``."""
        if self.quantiles_ is None:
            self.calibration_quantile_scores_, self.interval_method_ = None, "split conformal"
            return
        n = 0 if y is None else len(y)
        self.calibration_quantile_scores_ = (
            np.zeros((0, len(self.quantiles_), self.n_outputs_)) if y is None else y[:, None, :] - quantiles
        )
        self.interval_method_ = "conformalized quantile regression" if n else "quantile regression"

    @property
    def _median(self):
        """Position of the 0.5 quantile, the point forecast, among ``quantiles_``."""
        return int(np.searchsorted(self.quantiles_, 0.5))

    def _quantile_output(self, values):
        """The network's output as ``(n, n_quantiles, n_outputs)``, sorted per row; unchanged without quantiles."""
        if self.quantiles_ is None:
            return values
        return _quantile.rearranged(values, len(self.quantiles_), self.n_outputs_)

    def calibrate(self, X, y):
        """Replace the calibration residuals by those of ``(X, y)``, rows the model was not fitted on.

        :meth:`predict_interval` and :meth:`predict_quantiles` then use the
        residuals ``y - predict(X)`` of these rows instead of those of the
        validation tail ``fit`` held out. Use rows that follow the training
        data in time (a pandas object whose index continues it, so that the
        windows carry the history over), as many as the coverage needs
        (``coverage / (1 - coverage)``: 19 for 95 %).

        Parameters
        ----------
        X : array-like
            Inputs, as for :meth:`predict`.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their observed targets.

        Returns
        -------
        self : LSTMRegressor
            The estimator, with ``calibration_residuals_`` replaced.
        """
        forecast = self._forecast(X)
        y_hat = self.target_encoder_.inverse_transform(forecast if self.quantiles_ is None else forecast[:, self._median])
        y = np.asarray(y, dtype=np.float64)
        if y.shape != y_hat.shape:
            raise ValueError(
                f"LSTMRegressor.calibrate: y has shape {y.shape} but the model predicts {y_hat.shape} for X; "
                "pass one target row per row of X, with the outputs of fit."
            )
        check_finite_target(y, "LSTMRegressor.calibrate")
        self.calibration_residuals_ = (y - y_hat).reshape(len(y), -1)
        if self.quantiles_ is not None:
            self._record_quantile_scores(y.reshape(len(y), -1), forecast)
        self.calibration_rows_ = np.arange(len(y))
        self.calibration_source_ = f"calibrate() on {len(y)} rows"
        return self

    def _interval_center(self, X):
        return self.predict(X), self.target_encoder_.inverse_transform, None

    def _trained_quantiles(self, X, quantiles, asked):
        """The trained ``quantiles`` in the target's space ``(n, n_levels, n_outputs)`` and the map to ``y``'s
        shape, conformalised on the calibration rows; None unless every level was trained."""
        at = _quantile.positions(getattr(self, "quantiles_", None), quantiles)
        if at is None:
            return None
        moves = _quantile.adjustments(
            self.calibration_quantile_scores_[:, at], quantiles, owner=type(self).__name__, asked=asked,
            source=self._calibration_source(),
        )
        forecast = self._forecast(X)
        bands, median = forecast[:, at] + moves, forecast[:, [self._median]]
        # no crossing after the moves either: a level stays on its side of the median (predict), then the
        # levels are sorted (moving a bound away from the median only widens what it holds)
        side = np.sign(np.asarray(quantiles) - 0.5)[None, :, None]
        bands = np.where(side > 0, np.maximum(bands, median), np.where(side < 0, np.minimum(bands, median), bands))
        order = np.argsort(quantiles, kind="stable")
        bands[:, order] = np.sort(bands[:, order], axis=1)
        return bands, self.target_encoder_.inverse_transform

    def _n_validation(self, n_samples):
        """Samples in the validation tail of a series of ``n_samples`` (array-like for several series)."""
        n_samples = np.asarray(n_samples)
        n_val = np.ceil(self.validation_fraction * n_samples).astype(int)
        return np.where(n_samples - n_val >= 2, n_val, 0)

    def _tails_last(self, X, y, sample_weight):
        """For a panel (windows indexed by (series, time)), the rows reordered so that every
        series' most recent ``validation_fraction`` comes last, and which rows those are.

        The validation tail of a panel is then each series' own latest rows,
        never the last series' rows. Other inputs pass unchanged (tail None).
        Also returns the position in ``X`` of each row that trains, in the new
        order, which the calibration residuals keep (``calibration_rows_``),
        and the position in the returned ``y`` of each row of the returned
        ``X`` (None when they are aligned). ``y`` is left in its order unless
        rows are dropped: :meth:`_train_network` takes the training rows of it
        once, so no reordered copy of the targets lives through the fit.
        """
        rows = np.arange(_num_samples(X))
        if not is_panel(X) or self.validation_fraction <= 0:
            weights = None if sample_weight is None else np.asarray(sample_weight)
            if weights is not None and weights.shape == rows.shape:  # else scikeras' check names the problem
                rows = rows[weights != 0]  # as scikeras drops zero-weight samples
            return X, y, sample_weight, None, rows, None
        panel = Panel.of(X, "LSTMRegressor")
        lengths = np.diff(panel.bounds)
        tail = panel.positions() >= np.repeat(lengths - self._n_validation(lengths), lengths)
        rows = np.concatenate([panel.order[~tail], panel.order[tail]])
        tail = np.sort(tail)  # False for the training rows, then True
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)[rows]
            kept = sample_weight != 0  # as scikeras drops zero-weight samples
            tail, rows, sample_weight = tail[kept], rows[kept], sample_weight[kept]
        if len(rows) < len(panel.order):  # rows dropped: y must match X's length for scikeras
            return _safe_indexing(X, rows), _safe_indexing(y, rows), sample_weight, tail, rows, None
        return _safe_indexing(X, rows), y, sample_weight, tail, rows, rows

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        rows = isinstance(X, RowWindows)  # stored rows, no gap: a window is empty only before its series' history
        nan = None if rows else np.isnan(X)
        observed = X.lengths() > 0 if rows else ~nan.all(axis=(1, 2))
        if not observed.any():
            raise ValueError(
                "LSTMRegressor: no training sample has an observed time step (every window is "
                "all NaN); pass a series longer than the window."
            )
        n_gaps = 0 if rows else _count_interior_gaps(nan.any(axis=2))
        if n_gaps:
            warnings.warn(
                f"LSTMRegressor: {n_gaps} of {X.shape[0]} training windows have missing values "
                "after observed steps; those steps are masked (skipped by the LSTM), not zero. "
                "Fill gaps in the series (e.g. series.interpolate()) if they are not meant to be missing.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        self._train_network(X, y, sample_weight, warm_start, epochs, initial_epoch, observed)

    def _train_network(self, X, y, sample_weight, warm_start, epochs, initial_epoch, observed):
        """Start the linear branch, hold out the validation tail, train, and keep the best."""
        rows, take = self._run.rows, self._run.y_rows
        if not observed.all():
            X = X[observed]
            sample_weight = None if sample_weight is None else sample_weight[observed]
            rows = rows[observed]
            take = np.flatnonzero(observed) if take is None else take[observed]
        # ``take``: the position in ``y`` of each sample's target. The targets are not copied into training
        # order: each step below reads the rows it needs (the training targets, built once in float32)
        tail = self._run.tail
        n_val = int(self._n_validation(X.shape[0]) if tail is None else tail[observed].sum())
        self.n_validation_ = n_val
        cut = X.shape[0] - n_val
        if n_val:  # what the whole network predicts there, before the linear branch's part is taken off
            self._run.validation = (X[cut:], y[cut:].copy() if take is None else y[take[cut:]], rows[cut:])
        network = self._network
        trained = network.model
        started = network.skip is not None and not (warm_start and initial_epoch)
        weights = None if sample_weight is None else sample_weight[:cut]
        if started and n_val:
            # the start refitted on every row, put in once the tail has been scored: fitted now, before training
            # holds its memory, so the two peaks do not add up
            every_row = _linear.ridge_start(X, y, sample_weight, take)
        linear = None
        if network.skip is not None:
            # The linear branch is fitted in closed form on the training
            # windows (not the validation tail, which then scores it as it
            # scores the network) and frozen; the LSTM part (a plain chain,
            # so the fused kernel applies) is trained on its residuals.
            if started:
                if take is None:
                    _linear.fit_linear_start(network, X[:cut], y[:cut], weights)
                else:
                    _linear.fit_linear_start(network, X[:cut], y, weights, y_rows=take[:cut])
            linear = network
            trained = network.recurrent
            model = network.model
            if getattr(trained, "optimizer", None) is not model.optimizer or trained.loss is not model.loss:
                trained.compile(optimizer=model.optimizer, loss=model.loss)
        # the network trains in float32: the one training copy of the targets, in training order, less the
        # linear branch's output (taken off in y's precision), cast as Keras would cast them
        y = _linear.training_targets(y, take, linear, X, self.n_outputs_)
        validation_data = None
        if n_val:
            val_w = None if sample_weight is None else sample_weight[cut:]
            validation_data = (X[cut:], y[cut:]) if val_w is None else (X[cut:], y[cut:], val_w)
            X, y = X[:cut], y[:cut]
            sample_weight = None if sample_weight is None else sample_weight[:cut]
        monitor = "val_loss" if n_val else "loss"
        callbacks = list(self._fit_callbacks)
        stopping = self.early_stopping and not self._run.continued
        if stopping:
            callbacks.append(
                keras.callbacks.EarlyStopping(monitor=monitor, patience=self.patience, restore_best_weights=True)
            )
        batch_size = self.batch_size_ = min(auto_batch_size(X.shape[0]) if self.batch_size == "auto" else
                                            self.batch_size, X.shape[0])
        masked = has_missing_steps(X)
        self.training_kernel_, _ = select_kernel(
            network.chain, batch_size=batch_size, callbacks=callbacks, requested=self.training_kernel, masked=masked
        )
        schedule = dict(epochs=epochs, initial_epoch=initial_epoch, batch_size=batch_size, callbacks=callbacks)
        history = train(
            trained, network.chain, X, y, sample_weight=sample_weight, validation_data=validation_data,
            verbose=self.verbose, kernel=self.training_kernel, shuffle=self._run.shuffle,
            steps_per_epoch=self.steps_per_epoch, masked=masked, **schedule,
        )
        # LSTNet's promise, kept on data the fit did not train on: when no
        # epoch beats the linear start on the validation tail, keep that start.
        linear_kept = bool(
            network.skip is not None and validation_data is not None and stopping
            and _linear.linear_start_is_better(trained, validation_data, history.get("val_loss", [np.nan]))
        )
        if linear_kept:
            _linear.silence_head(network)
            if started:
                self._run.refit_linear = partial(_linear.set_linear_start, network, every_row)
        elif started and n_val:
            # the LSTM part learned the residuals of a linear start fitted without the tail; the start
            # it adds to is refitted on every row, so the latest data also shapes the linear forecast
            self._run.refit_linear = partial(_linear.set_linear_start, network, every_row, silence=False)
        losses = np.asarray(history.get("loss", []), dtype=float)
        if losses.size == 0 or not np.all(np.isfinite(losses)):
            epoch = int(np.argmax(~np.isfinite(losses))) + 1 if losses.size else 1
            raise TrainingDivergedError(
                f"LSTMRegressor: the training loss became NaN/inf at epoch {epoch} "
                f"(learning_rate={self.learning_rate!r}, loss={self.loss!r}). Lower learning_rate "
                "(e.g. 1e-3), scale the inputs and target (StandardScaler, "
                "TransformedTargetRegressor), or use loss='huber'."
            )
        if not warm_start or not hasattr(self, "history_") or initial_epoch == 0:
            self.history_ = defaultdict(list)
        for key, values in history.items():
            self.history_[key] += list(values)
        self.history_ = dict(self.history_)
        monitored = np.asarray(self.history_.get(monitor, self.history_["loss"]), dtype=float)
        self.n_epochs_ = len(monitored)
        self.best_epoch_ = int(np.argmin(monitored)) + 1 if stopping else self.n_epochs_
        if linear_kept:
            self.best_epoch_ = 0

    # -------------------------------------------------------------- validation
    def _validate_data(self, X=None, y=None, reset=False, y_numeric=True):
        if reset and y is None:
            raise ValueError("LSTMRegressor requires y to be passed, but the target y is None.")
        if X is None:  # scikeras' score() path: y only
            return None, np.asarray(y)
        check_numeric_columns(X, "LSTMRegressor")
        if reset:
            if isinstance(self.lookback, str):  # "auto": a placeholder its DifferencedTargetRegressor fills
                raise ValueError(
                    "LSTMRegressor: lookback='auto' is chosen from the series by an enclosing "
                    "DifferencedTargetRegressor (as in recommended_pipeline()); on its own, pass the window as an "
                    "int, e.g. lookback=24."
                )
            self.lookback_ = self.lookback
        source = X  # its pandas index, if any, says which series and times the rows are
        kwargs = dict(reset=reset, dtype=np.float32, allow_nd=True, ensure_all_finite="allow-nan", accept_sparse=False)
        if y is not None:
            if not hasattr(y, "dtype") or np.asarray(y).dtype.kind in "fiub":
                check_finite_target(np.asarray(y, dtype=np.float64), "LSTMRegressor")
            X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, **kwargs)
        else:
            X = validate_data(self, X, **kwargs)
        self._check_magnitudes(X, y)
        if reset and y is not None and y.shape[0] > 1 and np.ptp(np.asarray(y, dtype=np.float64), axis=0).max() == 0:
            warnings.warn(
                "LSTMRegressor: y is constant; there is nothing to learn and every forecast will be "
                "that constant. Check the target column, or use NaiveForecaster.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        if X.ndim not in (2, 3):
            raise ValueError(
                f"LSTMRegressor needs 2-D windows (samples, window * n_features) or 3-D "
                f"sequences (samples, timesteps, features), got X with shape {X.shape}."
            )
        if reset:
            self.X_shape_ = X.shape
        elif X.shape[1:] != self.X_shape_[1:]:
            raise ValueError(
                f"X has shape {X.shape[1:]} per sample, but LSTMRegressor was fitted on "
                f"{self.X_shape_[1:]}; pass the same window and features as in fit."
            )
        if getattr(self, "lookback_", None) is not None:
            X = self._row_windows(source, X, reset)
        return X, y

    def _row_windows(self, source, rows, reset):
        """The samples of ``lookback`` mode: each row's window within its own series.

        ``rows`` is the validated ``source``. In ``fit`` this records each
        series' last rows; in ``predict`` a series that continues its fitted end
        gets them as history. Leading NaN rows of a series are skipped as
        missing history; other rows with NaN are windowed in memory (the
        missing steps are then masked as in windows mode).
        """
        if rows.ndim != 2:
            raise ValueError(
                f"LSTMRegressor(lookback={self.lookback_}) reads rows of observed values, 2-D (n_samples, "
                f"n_features); got X with shape {rows.shape}. Pass the series, or lookback=None for windows."
            )
        single = not is_panel(source)
        panel = Panel.whole(len(rows)) if single else Panel.of(source, "LSTMRegressor")
        sorted_rows = rows[panel.order]
        history = self.lookback_ - 1
        carried = np.full(panel.n_series, -1)
        if reset:
            self.series_ = None if single else np.asarray(panel.series)
            if single:
                self.last_rows_ = sorted_rows[max(0, len(rows) - history) :].copy()
                self._next_label = next_label_of(source)
            else:
                self.last_rows_ = panel.tails(sorted_rows, history).astype(np.float32)
                self._next_label = panel.next_labels()
        gaps = None
        if not reset and history and single == (self.series_ is None):
            # after the fitted rows, maybe across the gap of a time-series split (the missing steps are masked)
            if single:
                gap = steps_after(self._next_label, index_of(source))
                carried, gaps = np.array([-1 if gap is None else 0]), np.array([gap or 0])
            else:
                carried, gaps = panel.continuing(self.series_, self._next_label)
        tails = self.last_rows_[None] if single else self.last_rows_
        store, starts, landed = panel.with_history(sorted_rows, carried, tails, gaps)
        first_rows = None
        if np.isnan(store).any():
            skipped = leading_missing(store, starts)
            if skipped is None:  # a gap inside a series: only whole windows can mask it
                return windows_of(store, starts, panel.unsort(landed), self.lookback_).dense()
            first_rows, store = skipped
        return windows_of(store, starts, panel.unsort(landed), self.lookback_, first_rows)

    @staticmethod
    def _check_magnitudes(X, y):
        """Refuse values a float32 network cannot represent; warn about unscaled data."""
        for name, arr in (("X", X), ("y", y)):
            if arr is None or arr.size == 0:
                continue
            with warnings.catch_warnings():  # all NaN: no values, peak 0
                warnings.filterwarnings("ignore", message="All-NaN", category=RuntimeWarning)
                low, high = float(np.nanmin(arr)), float(np.nanmax(arr))  # no absolute-value copy of a panel's y
            peak = 0.0 if np.isnan(high) else max(-low, high)
            if not np.isfinite(peak) or peak > 1e30:
                raise ValueError(
                    f"LSTMRegressor: {name} holds values up to {peak:.3g}, beyond what the network's "
                    "float32 arithmetic can train on. Rescale it (StandardScaler, or "
                    "TransformedTargetRegressor for y)."
                )
            if peak > _PLAIN_INPUT_PEAK:
                warnings.warn(
                    f"LSTMRegressor: {name} holds values up to {peak:.3g}; an LSTM trains poorly on "
                    "unscaled data. Put StandardScaler before it"
                    + (" and wrap it in TransformedTargetRegressor(transformer=StandardScaler())" if name == "y" else "")
                    + ".",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )

    # ----------------------------------------------------------------- predict
    def predict(self, X, **kwargs):
        """Predict the targets of windows ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, window * n_features) or (n_samples, timesteps, features)
            Windows in the layout seen in ``fit``.
        **kwargs : dict
            Ignored; accepted for scikeras compatibility.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, float64 (the network computes in float32); with
            ``quantiles``, the median (the 0.5 quantile).
        """
        y_pred = self._forecast(X)
        if self.quantiles_ is not None:
            y_pred = y_pred[:, self._median]
        return self.target_encoder_.inverse_transform(y_pred)

    def _forecast(self, X):
        """The network's forecast of ``X``: ``(n, n_outputs)``, or ``(n, n_quantiles, n_outputs)`` sorted per row."""
        if not self.initialized_:
            raise NotFittedError(
                "This LSTMRegressor instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this estimator."
            )
        if not self._is_plain_input(X):
            X, _ = self._validate_data(X=X, y=None)
        X = self.feature_encoder_.transform(X)
        empty = X.lengths() == 0 if isinstance(X, RowWindows) else np.isnan(X).all(axis=(1, 2))
        if empty.any():
            warnings.warn(
                f"LSTMRegressor: {int(empty.sum())} of {X.shape[0]} samples have no observed time "
                "step and get the forecast of an empty history. Pass a pandas object whose index "
                "continues the training data (WindowTransformer carries history over), or drop "
                "the first rows.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        y_pred = run_inference(self._inference, X, dtype=np.float64)
        if not np.all(np.isfinite(y_pred)):
            raise ValueError(
                "LSTMRegressor produced NaN/inf predictions; the inputs are probably far outside "
                "the training range. Scale X (StandardScaler) and check for extreme values."
            )
        return self._quantile_output(y_pred)

    def _is_plain_input(self, X):
        """True when ``X`` needs none of the full validation's conversions or messages.

        That is a float ndarray shaped as in ``fit``, for an estimator fitted
        without feature names, with no infinity and no value above the
        unscaled-data warning threshold. Anything else goes through
        :meth:`_validate_data`, so its errors and warnings are unchanged;
        this only spares the common case (e.g. one row at a time) about a
        millisecond of checks.
        """
        if type(X) is not np.ndarray or X.dtype.kind != "f" or X.ndim not in (2, 3) or X.shape[0] == 0:
            return False
        if getattr(self, "lookback_", None) is not None:  # rows to window, with carry-over
            return False
        if getattr(self, "feature_names_in_", None) is not None or X.shape[1:] != tuple(self.X_shape_[1:]):
            return False
        peak = np.fmax.reduce(np.abs(X), axis=None)  # ignores NaN; NaN only if all are
        return not peak > _PLAIN_INPUT_PEAK

    # ------------------------------------------------------------ fitted state
    def __getstate__(self):
        """The estimator's state: parameters, fitted attributes and the network, as plain values.

        Derived objects (the layer handles, the inference plan, the encoders,
        the callback lists) are left out and rebuilt by :meth:`__setstate__`.
        This is what pickle, ``copy`` and :meth:`save` store.
        """
        state = {k: v for k, v in super().__getstate__().items() if k not in _DERIVED + _DERIVED_FITTED}
        if "history_" in state:
            state["history_"] = {k: [float(v) for v in values] for k, values in state["history_"].items()}
        return state

    def __setstate__(self, state):
        """Restore the state :meth:`__getstate__` gave, rebuilding what derives from it."""
        state = dict(state)
        state.pop("_sklearn_version", None)  # kept by scikit-learn only for its own classes
        for name, default in _PARAM_DEFAULTS.items():  # a parameter added after the state was written
            state.setdefault(name, default)
        if "model_" in state:  # fitted before quantile training existed
            state.setdefault("quantiles_", None)
            state.setdefault("calibration_quantile_scores_", None)
            state.setdefault("interval_method_", "split conformal")
        super().__setstate__(state)
        if "model_" in state:
            self._network = Network.of(self.model_)
            self._inference = InferencePlan(self._network)
            self._restore_encoders()

    def __reduce_ex__(self, protocol):
        """Pickle the state of :meth:`__getstate__`, restored so that TensorFlow's threads are sized first.

        Unpickling a fitted network starts TensorFlow, whose thread pools
        cannot be resized afterwards; in a worker process that receives a
        fitted model (a Dask worker given a model to forecast with), the
        worker's thread budget (:func:`~skl_lstm.lstm._runtime.configure`) is
        applied before the network is read.
        """
        state = self.__getstate__()
        return (_unpickled_instance, (type(self), "model_" in state), state)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = False
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        # A small network trained for a few epochs cannot promise R^2 > 0.5 on
        # arbitrary regression data, which check_regressors_train asks for.
        tags.regressor_tags.poor_score = True
        return tags

    # ------------------------------------------------------------- persistence
    def save(self, path):
        """Save the fitted estimator to ``path`` without pickle: ``skl_lstm.save(self, path)``.

        The file is the one :func:`skl_lstm.save` writes for any model (format
        2): the network in Keras' native format, the rest of the estimator's
        state (``__getstate__``) as JSON, the library versions and a
        SHA-256 per member, replaced atomically. :meth:`load` and
        :func:`skl_lstm.load` refuse any file that was altered or carries code.

        Parameters
        ----------
        path : str or path-like
            Where to write; ``.skl-lstm`` is the conventional suffix.

        Raises
        ------
        NotFittedError
            If the estimator is not fitted.
        TypeError
            If a parameter cannot be stored safely (a Keras optimizer or loss
            object, callbacks); the message says to use the string form.
        """
        from ..persistence import save

        if not hasattr(self, "model_"):
            raise NotFittedError("This LSTMRegressor instance is not fitted yet; fit it before calling save.")
        save(self, path)

    @classmethod
    def load(cls, path):
        """Load an estimator written by :meth:`save`: ``skl_lstm.load(path)``, which must hold an LSTMRegressor.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save` (format 2) or by the format-1
            ``save`` of skl_lstm 0.1.0.

        Returns
        -------
        estimator : LSTMRegressor
            The fitted estimator; it predicts exactly as the saved one did.

        Raises
        ------
        skl_lstm.exceptions.UnsafeModelFileError
            If the file is not an archive written by :meth:`save`, was altered,
            was written by a newer format, or holds a network that carries code.
        TypeError
            If the file holds another estimator (a pipeline, say); load that
            with :func:`skl_lstm.load`.
        """
        import os

        from ..persistence import load

        estimator = load(path)
        if not isinstance(estimator, cls):
            raise TypeError(f"{os.fspath(path)!r} holds a {type(estimator).__name__}, not an {cls.__name__}; load it "
                            "with skl_lstm.load(path).")
        return estimator


#: Every constructor parameter's default, for states written before the parameter existed.
_PARAM_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(LSTMRegressor.__init__).parameters.items()
    if p.default is not inspect.Parameter.empty
}

__all__ = ["LSTMRegressor"]
