"""LTI 1.3 tool (pylti1p3 with the checks it lacks); see docs/lti.md."""
