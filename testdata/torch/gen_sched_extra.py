#!/usr/bin/env python3
"""More learning-rate schedule trajectories from PyTorch 1.13, beside the
shared ones: SequentialLR and ChainedScheduler, momentum and beta1 cycling,
several parameter groups, defaults and edge cases.

usage:  /usr/bin/python3 gen_sched_extra.py OUT_DIR    (needs python3-torch)

Writes OUT_DIR/NAME.json in the format of the shared sched files
(scheduler, base_lr, hyper, lrs, metrics), with these optional fields:

  optimizer      "SGD" (momentum 0.9, the default) or "Adam"
  group_lrs      the rate of each parameter group (default [base_lr])
  lrs_by_group   lrs_by_group[k][g]: group g's rate after step k
  momentum_key   "momentum" or "beta1": what the schedule cycles
  momentums      momentums[k][g]: group g's momentum (or beta1) after step k

SequentialLR and ChainedScheduler have hyper {"schedulers": [{"scheduler":
CLASS, "hyper": {...}}, ...], "milestones": [...]}; the schedules are built
in that order on the optimizer, then combined.
"""
import json
import os
import sys

import torch

S = torch.optim.lr_scheduler


def build(opt, scheduler, hyper):
    if scheduler in ("SequentialLR", "ChainedScheduler"):
        subs = [build(opt, s["scheduler"], s["hyper"]) for s in hyper["schedulers"]]
        if scheduler == "ChainedScheduler":
            return S.ChainedScheduler(subs)
        return S.SequentialLR(opt, subs, milestones=hyper["milestones"])
    return getattr(S, scheduler)(opt, **hyper)


def run(name, scheduler, hyper, base_lr=0.1, steps=30, optimizer="SGD", group_lrs=None,
        momentum_key=None, metrics=None):
    group_lrs = group_lrs or [base_lr]
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in group_lrs]
    if optimizer == "SGD":
        opt = torch.optim.SGD(groups, lr=base_lr, momentum=0.9)
    else:
        opt = getattr(torch.optim, optimizer)(groups, lr=base_lr)
    s = build(opt, scheduler, hyper)

    def lrs():
        return [g["lr"] for g in opt.param_groups]

    def moms():
        if momentum_key == "beta1":
            return [g["betas"][0] for g in opt.param_groups]
        return [g["momentum"] for g in opt.param_groups]

    by_group, mom = [lrs()], [moms()] if momentum_key else None
    for k in range(len(metrics) if metrics else steps):
        opt.step()
        if metrics:
            s.step(metrics[k])
        else:
            s.step()
        by_group.append(lrs())
        if momentum_key:
            mom.append(moms())
    case = dict(name=name, scheduler=scheduler, base_lr=base_lr, hyper=hyper,
                lrs=[g[0] for g in by_group])
    if metrics:
        case["metrics"] = metrics
    if optimizer != "SGD":
        case["optimizer"] = optimizer
    if len(group_lrs) > 1:
        case["group_lrs"] = group_lrs
        case["lrs_by_group"] = by_group
    if momentum_key:
        case["momentum_key"] = momentum_key
        case["momentums"] = mom
    return case


def sub(scheduler, **hyper):
    return {"scheduler": scheduler, "hyper": hyper}


def cases():
    metrics = [1.0, 0.9, 0.85, 0.86, 0.84, 0.84, 0.845, 0.85, 0.83, 0.83, 0.83, 0.831,
               0.9, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.69, 0.69, 0.69, 0.69, 0.69]
    c = [
        run("sequential_linear_cosine", "SequentialLR", dict(schedulers=[
            sub("LinearLR", start_factor=0.2, total_iters=5),
            sub("CosineAnnealingLR", T_max=20, eta_min=0.001)], milestones=[5])),
        # what WarmupCosine(opt, 5, 25, 0.001) must equal
        run("sequential_warmup_cosine", "SequentialLR", dict(schedulers=[
            sub("LinearLR", start_factor=1 / 6, end_factor=1.0, total_iters=5),
            sub("CosineAnnealingLR", T_max=20, eta_min=0.001)], milestones=[5])),
        run("sequential_constant_step_exponential", "SequentialLR", dict(schedulers=[
            sub("ConstantLR", factor=0.5, total_iters=3),
            sub("StepLR", step_size=4, gamma=0.5),
            sub("ExponentialLR", gamma=0.9)], milestones=[6, 15])),
        run("sequential_multistep_polynomial", "SequentialLR", dict(schedulers=[
            sub("MultiStepLR", milestones=[2, 5, 5], gamma=0.5),
            sub("PolynomialLR", total_iters=10, power=2.0),
            sub("MultiStepLR", milestones=[1, 3], gamma=0.5)], milestones=[8, 22])),
        run("sequential_linear_warm_restarts", "SequentialLR", dict(schedulers=[
            sub("LinearLR", start_factor=0.25, total_iters=4),
            sub("CosineAnnealingWarmRestarts", T_0=3, T_mult=2, eta_min=0.002)], milestones=[4])),
        run("sequential_constant_cyclic", "SequentialLR", dict(schedulers=[
            sub("ConstantLR", factor=0.5, total_iters=3),
            sub("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=False)], milestones=[5])),
        run("sequential_cosine_onecycle", "SequentialLR", dict(schedulers=[
            sub("CosineAnnealingLR", T_max=4),
            sub("OneCycleLR", max_lr=0.2, total_steps=25, cycle_momentum=False)], milestones=[5])),
        run("sequential_cosine_linear_3groups", "SequentialLR", dict(schedulers=[
            sub("CosineAnnealingLR", T_max=6, eta_min=0.01),
            sub("LinearLR", start_factor=0.5, end_factor=0.1, total_iters=8)], milestones=[10]),
            group_lrs=[0.1, 0.05, 0.3]),
        run("chained_constant_exponential", "ChainedScheduler", dict(schedulers=[
            sub("ConstantLR", factor=0.1, total_iters=2),
            sub("ExponentialLR", gamma=0.9)])),
        run("chained_linear_step_cosine", "ChainedScheduler", dict(schedulers=[
            sub("LinearLR", start_factor=0.5, total_iters=4),
            sub("StepLR", step_size=3, gamma=0.7),
            sub("CosineAnnealingLR", T_max=7, eta_min=0.001)])),
        run("chained_constant_cyclic", "ChainedScheduler", dict(schedulers=[
            sub("ConstantLR", factor=0.5, total_iters=4),
            sub("CyclicLR", base_lr=0.02, max_lr=0.2, step_size_up=3, step_size_down=2, cycle_momentum=False)])),
        run("chained_polynomial_multistep_2groups", "ChainedScheduler", dict(schedulers=[
            sub("PolynomialLR", total_iters=12, power=1.5),
            sub("MultiStepLR", milestones=[3, 6, 6], gamma=0.5)]), group_lrs=[0.1, 0.02]),
        run("cyclic_triangular2_momentum", "CyclicLR", dict(
            base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=2, mode="triangular2"),
            momentum_key="momentum"),
        run("cyclic_exp_range_momentum_2groups", "CyclicLR", dict(
            base_lr=[0.01, 0.001], max_lr=[0.1, 0.02], step_size_up=4, mode="exp_range", gamma=0.97,
            base_momentum=[0.85, 0.7], max_momentum=0.95),
            group_lrs=[0.1, 0.01], momentum_key="momentum"),
        run("cyclic_defaults_long", "CyclicLR", dict(base_lr=0.001, max_lr=0.01), steps=60,
            momentum_key="momentum"),
        run("onecycle_adam_beta1", "OneCycleLR", dict(max_lr=0.05, total_steps=30),
            optimizer="Adam", momentum_key="beta1"),
        run("onecycle_adam_3phase_linear_2groups", "OneCycleLR", dict(
            max_lr=[0.05, 0.2], epochs=6, steps_per_epoch=5, pct_start=0.2, anneal_strategy="linear",
            three_phase=True, base_momentum=0.8, max_momentum=[0.9, 0.99], div_factor=5.0,
            final_div_factor=50.0),
            optimizer="Adam", group_lrs=[0.1, 0.2], momentum_key="beta1"),
        run("onecycle_sgd_momentum", "OneCycleLR", dict(max_lr=0.3, total_steps=30, pct_start=0.4),
            momentum_key="momentum"),
        run("cosine_short_period", "CosineAnnealingLR", dict(T_max=3, eta_min=0.01), steps=40),
        run("cosine_2groups", "CosineAnnealingLR", dict(T_max=7), group_lrs=[0.1, 0.05]),
        run("cosine_warm_restarts_tmult1", "CosineAnnealingWarmRestarts", dict(T_0=4)),
        run("cosine_warm_restarts_tmult3", "CosineAnnealingWarmRestarts", dict(T_0=2, T_mult=3, eta_min=0.005),
            steps=40),
        run("constant_defaults", "ConstantLR", {}),
        run("linear_defaults", "LinearLR", {}),
        run("linear_decay", "LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=12)),
        run("step_default_gamma", "StepLR", dict(step_size=3)),
        run("exponential_2groups", "ExponentialLR", dict(gamma=0.8), group_lrs=[0.1, 1.0]),
        run("polynomial_defaults", "PolynomialLR", {}),
        run("polynomial_sqrt", "PolynomialLR", dict(total_iters=20, power=0.5)),
        run("multistep_repeated", "MultiStepLR", dict(milestones=[3, 3, 7, 12], gamma=0.5)),
        run("plateau_max_abs_cooldown", "ReduceLROnPlateau", dict(
            mode="max", factor=0.5, patience=0, threshold=0.02, threshold_mode="abs", cooldown=1),
            metrics=[-m for m in metrics]),
        run("plateau_min_lr_eps_2groups", "ReduceLROnPlateau", dict(
            factor=0.3, patience=1, min_lr=[0.01, 0.0], eps=0.005),
            group_lrs=[0.1, 0.02], metrics=metrics),
        run("plateau_defaults", "ReduceLROnPlateau", {}, metrics=metrics),
    ]
    return c


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for case in cases():
        with open(os.path.join(out, case["name"] + ".json"), "w") as f:
            json.dump(case, f, indent=1)


if __name__ == "__main__":
    main()
