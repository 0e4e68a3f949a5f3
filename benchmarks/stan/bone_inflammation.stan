// bone_inflammation (remodel-fit) for the NUTS-vs-Stan speed benchmark.
// The same equations as src/remodel_fit/model/{pivonka,cytokines,bone}.py for the states that
// matter without doses: OBp, OBa, OCa (pM), the formation-marker compartment and lumbar-spine
// BMD. Left out identically on the NumPyro side's observations: denosumab (no doses: its state
// stays 0, so the RANKL decoy term is 0), anti-cytokine drugs, total-hip BMD (not observed).
// States are integrated normalised by the healthy steady state (formation, BMD: by 1), as in
// remodel_fit.simulate, so rtol/atol mean the same on both sides.
// Free: log_theta = log(tnf_e_rankl, tnf_e_opg, tnf_e_ob, k_form, kout_ls, gr_ls) (bench_problem.FREE).
functions {
  // core[] in the order of remodel_fit.model.pivonka.PARAMETERS:
  // 1 D_OBu 2 D_OBp 3 A_OBa 4 D_OCp 5 A_OCa 6 K_D1 7 K_D2 8 K_D3 9 K_D4 10 K_D6 11 beta_PTH
  // 12 Dt_PTH 13 beta_OPG 14 OPG_max 15 Dt_OPG 16 R_RANKL 17 beta_RANKL 18 Dt_RANKL 19 K_A1
  // 20 K_A2 21 RANK 22 K_D8
  // m = modifiers (rankl, opg, obu, oba_apoptosis, ocp) as in pivonka.Modifiers (decoy 0).
  vector cells(real OBp, real OBa, real OCa, vector core, vector m) {
    real tgf = OCa;
    real pth = core[11] / core[12];
    real pi_act_pth = pth / (pth + core[9]);
    real pi_rep_pth = core[10] / (pth + core[10]);
    real p_opg = core[13] * m[2] * OBa * pi_rep_pth;
    real opg = p_opg * core[14] / (p_opg + core[15] * core[14]);
    real rankl_eff = core[16] * m[1] * OBp * pi_act_pth;
    real rankl = rankl_eff / (1 + core[19] * opg + core[20] * core[21])
                 * core[17] / (core[17] + core[18] * rankl_eff);
    real occupancy = core[20] * rankl * core[21];
    real pi_act_ocp = occupancy / (occupancy + core[22]);
    real obp_to_oba = core[2] * OBp * core[7] / (tgf + core[7]);
    vector[3] d;
    d[1] = core[1] * m[3] * tgf / (tgf + core[6]) - obp_to_oba;
    d[2] = obp_to_oba - core[3] * m[4] * OBa;
    d[3] = core[4] * m[5] * pi_act_ocp - core[5] * OCa * tgf / (tgf + core[8]);
    return d;
  }

  // Healthy steady state (OBp, OBa, OCa): OBp and OBa explicit in OCa, OCa the root of dOCa/dt
  // by 80 log-bisection iterations on (1e-12, 1e3), as remodel_fit.model.steady.positive_root
  // (its final Newton step only supplies implicit gradients; no free parameter enters here).
  vector steady_cells(vector core) {
    vector[5] neutral = rep_vector(1.0, 5);
    real lo = log(1e-12);
    real hi = log(1e3);
    for (i in 1:80) {
      real mid = 0.5 * (lo + hi);
      real oca = exp(mid);
      real supply = core[1] * oca / (oca + core[6]);
      real obp = supply / (core[2] * core[7] / (oca + core[7]));
      real oba = supply / core[3];
      if (cells(obp, oba, oca, core, neutral)[3] > 0) lo = mid; else hi = mid;
    }
    real oca = exp(0.5 * (lo + hi));
    real supply = core[1] * oca / (oca + core[6]);
    return [supply / (core[2] * core[7] / (oca + core[7])), supply / core[3], oca]';
  }

  // Arm factors f_arm = prod_c (1 + E[c,arm] h(C_c)) / (1 + E[c,arm] h(ref_c)), h = C/(C+EC50).
  vector arm_factors(matrix E, vector ec50, vector ref, vector lvl) {
    vector[4] f = rep_vector(1.0, 4);
    for (c in 1:3) {
      real h = lvl[c] / (lvl[c] + ec50[c]);
      real h0 = ref[c] / (ref[c] + ec50[c]);
      for (a in 1:4) f[a] *= (1 + E[c, a] * h) / (1 + E[c, a] * h0);
    }
    return f;
  }

  // z = states / scale; scale = (OBp0, OBa0, OCa0, 1, 1).
  vector bone_rhs(real t, vector z, vector core, vector scale, vector m,
             real k_form, real kout_ls, real gf_ls, real gr_ls) {
    vector[3] d = cells(z[1] * scale[1], z[2] * scale[2], z[3] * scale[3], core, m);
    real formation = fmax(z[2], 1e-12);
    real resorption = fmax(z[3], 1e-12);
    vector[5] dz;
    dz[1:3] = d ./ scale[1:3];
    dz[4] = k_form * (formation - z[4]);
    dz[5] = kout_ls * (pow(formation, gf_ls) - pow(resorption, gr_ls) * z[5]);
    return dz;
  }
}
data {
  int<lower=1> N;                      // observations
  int<lower=1> T;                      // visit times
  array[T] real ts;                    // days, increasing, > 0
  array[N] int<lower=1, upper=3> obs;  // 1 ctx_rel, 2 p1np_rel, 3 bmd_ls_rel
  array[N] int<lower=1, upper=T> tix;
  vector<lower=0>[N] y;
  vector<lower=0>[N] sigma;            // known log-scale noise sd
  vector[22] core;
  matrix[3, 4] E;                      // defaults; rows tnf, il1, il6; cols rankl, opg, ob, ocp
  vector[3] ec50;
  vector[3] ref;
  vector[3] level;                     // cytokine levels from day 0 (pg/mL)
  real gf_ls;
  vector[6] mu;                        // prior means of log_theta
  real<lower=0> prior_sd;
  real<lower=0> rtol;
  real<lower=0> atol;
  int<lower=1> max_steps;
  int<lower=0, upper=1> use_bdf;       // 1: ode_bdf (CVODES), 0: ode_rk45 (Dormand-Prince)
}
transformed data {
  vector[3] cells0 = steady_cells(core);
  vector[5] scale = append_row(cells0, rep_vector(1.0, 2));
  vector[5] z0 = rep_vector(1.0, 5);
  vector[N] log_y = log(y);
}
parameters {
  vector[6] log_theta;
}
model {
  vector[6] theta = exp(log_theta);
  matrix[3, 4] Ef = E;
  Ef[1, 1] = theta[1];
  Ef[1, 2] = theta[2];
  Ef[1, 3] = theta[3];
  vector[4] f = arm_factors(Ef, ec50, ref, level);
  // pivonka.Modifiers from bone.modifiers: rankl f, opg 1/f, obu 1/f_ob, oba_apoptosis f_ob, ocp f
  vector[5] m = [f[1], 1 / f[2], 1 / f[3], f[3], f[4]]';
  array[T] vector[5] z;
  if (use_bdf)
    z = ode_bdf_tol(bone_rhs, z0, 0.0, ts, rtol, atol, max_steps, core, scale, m, theta[4], theta[5], gf_ls, theta[6]);
  else
    z = ode_rk45_tol(bone_rhs, z0, 0.0, ts, rtol, atol, max_steps, core, scale, m, theta[4], theta[5], gf_ls, theta[6]);
  vector[N] log_pred;
  for (i in 1:N) log_pred[i] = log(z[tix[i], obs[i] == 1 ? 3 : obs[i] == 2 ? 4 : 5]);
  log_theta ~ normal(mu, prior_sd);
  log_y ~ normal(log_pred, sigma);   // log-normal likelihood up to the constant -sum(log y)
}
