"""Compatibility shim for scikeras 0.13 on scikit-learn >= 1.6.

scikeras' ``BaseWrapper`` defines the pre-1.6 ``_more_tags`` hook but no
``__sklearn_tags__``. Tag resolution already falls through it to the next class
in the MRO, but scikit-learn's ``check_estimator_tags_renamed`` rejects every
subclass whose MRO holds a class with ``_more_tags`` and no
``__sklearn_tags__``. This adds the pass-through that scikeras would ship: it
returns ``super().__sklearn_tags__()``, so tag resolution is unchanged for
every subclass (ours and scikeras' own), and does nothing on a scikeras that
already defines the hook.
"""

from scikeras.wrappers import BaseWrapper

if "__sklearn_tags__" not in vars(BaseWrapper):

    def __sklearn_tags__(self):
        return super(BaseWrapper, self).__sklearn_tags__()

    BaseWrapper.__sklearn_tags__ = __sklearn_tags__
