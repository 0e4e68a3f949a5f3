"""Tables -> Dataset: column constants, CSV/TSV/PEtab reading, schedules and padding."""

from __future__ import annotations

import numpy as np

from remodel_fit.data import tables as T
from remodel_fit.data.build import build_dataset, read_dataset, read_tables
from remodel_fit.registry import get_model

MODEL = get_model("bone_inflammation")
MEAS = """subject,group,time_days,observable,value,sd,unit
s1,a,0,ctx,0.4,,ng/mL
s1,a,30,ctx,0.5,0.05,ng/mL
s1,a,0,bmd_ls,1.0,,g/cm2
s2,b,0,ctx,0.3,,ng/mL
s2,b,91,ctx,0.35,,ng/mL
"""
COND = """subject,group,time_days,input,value
*,a,0,tnf,23
s2,b,0,tnf,5
s2,b,10,tnf,6
*,b,0,denosumab_mg,60
"""


def _files(tmp_path, meas=MEAS, cond=COND):
    m, c = tmp_path / "m.csv", tmp_path / "c.csv"
    m.write_text(meas)
    c.write_text(cond)
    return m, c


def test_columns_are_documented_constants():
    assert T.MEASUREMENT_COLUMNS == ("subject", "group", "time_days", "observable", "value", "sd", "unit")
    assert T.CONDITION_COLUMNS == ("subject", "group", "time_days", "input", "value")
    assert T.PETAB_RENAME["observableId"] == "observable" and T.PETAB_RENAME["measurement"] == "value"


def test_dataset_arrays(tmp_path):
    m, c = _files(tmp_path)
    ds = read_dataset(m, c, MODEL)
    assert ds.subjects == ("s1", "s2") and ds.groups == ("a", "b")
    np.testing.assert_array_equal(ds.times, [0.0, 30.0, 91.0])
    assert ds.observables == ("bmd_ls", "ctx")  # model order, not file order
    np.testing.assert_array_equal(ds.subject_index, [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(ds.time_index, [0, 1, 0, 0, 2])
    np.testing.assert_array_equal(ds.observable_index, [1, 1, 0, 1, 1])
    np.testing.assert_array_equal(ds.values, [0.4, 0.5, 1.0, 0.3, 0.35])
    np.testing.assert_array_equal(ds.sd, [np.nan, 0.05, np.nan, np.nan, np.nan])
    assert list(ds.inputs) == ["tnf", "denosumab_mg"]  # absent inputs omitted, model order
    tnf = ds.inputs["tnf"]
    np.testing.assert_array_equal(tnf.times, [[0.0, np.inf], [0.0, 10.0]])  # padded to the longest
    np.testing.assert_array_equal(tnf.values[1], [5.0, 6.0])
    dmab = ds.inputs["denosumab_mg"]
    np.testing.assert_array_equal(dmab.amounts, [[0.0], [60.0]])  # s1 has no dose: zero padding
    # a level schedule with the reference before its first row
    s2 = ds.subject_inputs(1)["tnf"]
    assert float(s2.at(5.0, 1.0)) == 5.0 and float(s2.at(12.0, 1.0)) == 6.0


def test_time_zero_always_in_grid(tmp_path):
    m, _ = _files(tmp_path, meas="subject,group,time_days,observable,value,unit\ns1,a,7,ctx,0.4,ng/mL\n")
    ds = read_dataset(m, None, MODEL)
    np.testing.assert_array_equal(ds.times, [0.0, 7.0])
    assert ds.inputs == {} and np.isnan(ds.sd).all()  # sd column optional


def test_petab_measurements_equal_native(tmp_path):
    petab = tmp_path / "petab.tsv"
    petab.write_text(
        "observableId\tsimulationConditionId\ttime\tmeasurement\tnoiseParameters\n"
        "ctx\ts1\t0\t0.4\t\nctx\ts1\t30\t0.5\t0.05\nbmd_ls\ts1\t0\t1.0\t\n"
    )
    native = tmp_path / "native.csv"
    native.write_text(
        "subject,group,time_days,observable,value,sd,unit\n"
        "s1,s1,0,ctx,0.4,,ng/mL\ns1,s1,30,ctx,0.5,0.05,ng/mL\ns1,s1,0,bmd_ls,1.0,,g/cm2\n"
    )
    assert read_dataset(petab, None, MODEL).equals(read_dataset(native, None, MODEL))


def test_write_read_round_trip(tmp_path):
    m, c = _files(tmp_path)
    meas, cond = read_tables(m, c, MODEL)
    T.write_table(tmp_path / "out" / "m.tsv", meas)
    again = T.read_table(tmp_path / "out" / "m.tsv")
    assert list(again.columns) == [T.LINE, *T.MEASUREMENT_COLUMNS]  # no line column written
    ds1 = build_dataset(meas, cond, MODEL)
    ds2 = read_dataset(tmp_path / "out" / "m.tsv", c, MODEL)
    assert ds1.equals(ds2)


def test_star_rows_expand_to_every_subject_of_group(tmp_path):
    meas = MEAS + "s3,a,0,ctx,0.4,,ng/mL\n"
    m, c = _files(tmp_path, meas=meas)
    ds = read_dataset(m, c, MODEL)
    tnf = ds.inputs["tnf"]
    np.testing.assert_array_equal(tnf.values[:, 0], [23.0, 5.0, 23.0])
