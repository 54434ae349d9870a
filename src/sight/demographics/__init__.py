"""Census-grounded demographics: distributions, target validation, joint cells via IPF,
quota sampling with exact marginals, and goodness of fit of generated personas.

Typical flow::

    target = validate_target(raw_target, Country.PL)   # raises TargetDemographicsError
    joint = build_joint(target, load_census(Country.PL))
    cells = quota_sample(joint, n=20, seed=7)
    report = fit_report(personas_as_attribute_dicts, target)
"""

from sight.demographics.census import (
    Category,
    Census,
    Country,
    Dimension,
    JointTable,
    Labels,
    Source,
    load_census,
    normalise_label,
)
from sight.demographics.errors import Problem, TargetDemographicsError
from sight.demographics.fit import CategoryFit, DimensionFit, FitReport, fit_report
from sight.demographics.joint import Convergence, JointDistribution, build_joint
from sight.demographics.quota import Cell, largest_remainder, quota_sample
from sight.demographics.target import Target, TargetDimension, validate_target

__all__ = [
    "Category",
    "CategoryFit",
    "Cell",
    "Census",
    "Convergence",
    "Country",
    "Dimension",
    "DimensionFit",
    "FitReport",
    "JointDistribution",
    "JointTable",
    "Labels",
    "Problem",
    "Source",
    "Target",
    "TargetDemographicsError",
    "TargetDimension",
    "build_joint",
    "fit_report",
    "largest_remainder",
    "load_census",
    "normalise_label",
    "quota_sample",
    "validate_target",
]
