"""Experiment (issue 7, session 11): value+grad of the default fit potential, jacfwd through the solver
(gradient forward) vs the forward sensitivity equations (gradient sensitivity), side by side.
Run from the repo root after make run: .venv/bin/python benchmarks/experiments/sensitivity_equations.py synthetic"""
import os, sys, time, dataclasses
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
import jax, jax.numpy as jnp, numpy as np
from numpyro.infer.util import initialize_model
from numpyro.infer import init_to_median
from remodel_fit import get_model
from remodel_fit.config import load_config
from remodel_fit.data.build import read_dataset
from remodel_fit.inference import parse_fit
from remodel_fit.inference.model import FitModel
which = sys.argv[1]
if which == "clinical":
    cfg = load_config('config/clinical.yaml'); fit='denosumab'; d='results/data/clinical/'
else:
    cfg = load_config('config/config.yaml'); fit='synthetic'; d='results/data/synthetic/'
model = get_model('bone_inflammation')
data = read_dataset(d+'measurements.csv', d+'conditions.csv', model)
rows = {}
for rep in range(2):
  for grad in ("forward", "sensitivity"):
    spec = parse_fit(cfg, fit)
    spec = dataclasses.replace(spec, nuts=dataclasses.replace(spec.nuts, gradient=grad))
    fm = FitModel(model, data, spec)
    res = initialize_model(jax.random.PRNGKey(0), fm, model_kwargs={"y": fm.values}, init_strategy=init_to_median(num_samples=15))
    z = res.param_info.z; potential = res.potential_fn
    g = jax.jit(jax.value_and_grad(potential))
    t=time.perf_counter(); out = jax.block_until_ready(g(z)); c=time.perf_counter()-t
    ts=[]
    for _ in range(7):
        t=time.perf_counter(); jax.block_until_ready(g(z)); ts.append(time.perf_counter()-t)
    print(which, grad, fm.dynamic, f"compile {c:.1f}s value+grad {1e3*np.median(ts):.1f} ms", float(out[0]), np.round(np.asarray(jax.flatten_util.ravel_pytree(out[1])[0]),5)[:8], flush=True)
