import os
from pathlib import Path

import pytest

import pos
import pos.core.catalog as catalog_module
from pos.core.catalog import CatalogError, gtin_valid, load_catalog, parse_catalog

HEADER = "sku,barcode,name_kk,name_ru,name_en,unit,price,vat_class\n"
DEMO = Path(pos.__file__).parent / "data" / "demo_catalog.csv"


def test_the_demo_catalog_loads_without_errors():
    catalog, errors = load_catalog(DEMO)
    assert errors == []
    assert len(catalog.products) >= 10
    assert catalog.lookup("4870001000011").sku == "BREAD-01"
    assert catalog.lookup("kurt-01").unit == "kg"


def test_bad_rows_are_reported_with_line_and_reason_while_good_rows_load():
    text = HEADER + "\n".join([
        "A1,4870001000011,Нан,Хлеб,Bread,pcs,250,standard",       # line 2: good
        "A2,4870001000012,,,Milk,pcs,590,standard",                # line 3: bad check digit
        "A3,,,,,pcs,100,standard",                                 # line 4: no name
        "A4,,,Сыр,,box,100,standard",                              # line 5: bad unit
        "A5,,,Сыр,,pcs,12.345,standard",                           # line 6: 3 decimals
        "A6,,,Сыр,,pcs,-5,standard",                               # line 7: negative
        "A7,,,Сыр,,pcs,5,luxury",                                  # line 8: bad VAT class
        "A1,,,Дубль,,pcs,5,standard",                              # line 9: duplicate SKU
        "A8,,,Сыр,,kg,1200,reduced,extra",                         # line 10: extra field
        "bad sku!,,,Сыр,,pcs,1,zero",                              # line 11: bad SKU
        "A9,,Ірімшік,,,kg,3200,zero",                              # line 12: good
    ]) + "\n"
    catalog, errors = parse_catalog(text)
    assert sorted(catalog.products) == ["A1", "A9"]
    reasons = {e.line: e.reason for e in errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "check digit" in reasons[3]
    assert "no name" in reasons[4]
    assert "unit 'box'" in reasons[5]
    assert "more than 2 decimal places" in reasons[6]
    assert "more than zero" in reasons[7]
    assert "vat_class 'luxury'" in reasons[8]
    assert "duplicate SKU" in reasons[9]
    assert "more fields" in reasons[10]
    assert "sku 'bad sku!'" in reasons[11]
    assert str(errors[0]) == f"line 3: {reasons[3]}"


def test_a_wrong_header_is_refused_whole_with_the_file_named(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("sku,name,price\nA,B,1\n", encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    assert str(path) in str(err.value) and "missing column(s)" in str(err.value)


def test_a_missing_or_binary_file_gives_a_message(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "bin.csv")


def test_names_fall_back_and_search_finds_every_language():
    catalog, _ = load_catalog(DEMO)
    kurt = catalog.by_sku("KURT-01")
    assert kurt.name("kk") == "Құрт" and kurt.name("en").startswith("Kurt")
    assert [p.sku for p in catalog.search("құрт")] == ["KURT-01"]
    assert [p.sku for p in catalog.search("молоко")] == ["MILK-01"]


@pytest.mark.parametrize("code, ok", [("4870001000011", True), ("4870001000012", False), ("96385074", True),
                                      ("036000291452", True), ("12345", False), ("48700010000a1", False)])
def test_gtin_check_digits(code, ok):
    assert gtin_valid(code) is ok


def test_control_characters_in_names_become_spaces_so_no_escape_sequence_reaches_a_screen():
    text = HEADER + "\n".join([
        'E1,,,"Рис \x1b]0;title\x07 5 кг","Rice \x1b]52;c;cm0=\x07",pcs,100,standard',
        'E2,,"\x1b[2J\x9b\x7f",,,pcs,100,standard',
    ])
    catalog, errors = parse_catalog(text)
    assert catalog.products["E1"].names == {"ru": "Рис  ]0;title  5 кг", "en": "Rice  ]52;c;cm0="}
    assert catalog.products["E2"].names == {"kk": "[2J"}
    assert errors == []


# ---- issue 14: `catalog = "/dev/zero"` hung start-up ---------------------------------------
@pytest.mark.timeout(20)
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_as_the_catalog_is_refused_at_once():
    with pytest.raises(CatalogError, match="/dev/zero: the catalog must be a regular file"):
        load_catalog(Path("/dev/zero"))


@pytest.mark.timeout(20)
def test_a_pipe_or_a_directory_as_the_catalog_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "catalog.csv"
    os.mkfifo(fifo)  # nobody writes: opening it for reading used to wait for ever
    with pytest.raises(CatalogError, match="must be a regular file"):
        load_catalog(fifo)
    with pytest.raises(CatalogError, match="must be a regular file"):
        load_catalog(tmp_path)


def test_a_catalog_larger_than_the_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog_module, "MAX_CATALOG_BYTES", 1024)
    big = tmp_path / "big.csv"
    big.write_text(HEADER + "A1,,,,Bread,pcs,250,standard\n" * 40, encoding="utf-8")
    with pytest.raises(CatalogError, match="big.csv: the catalog is larger than"):
        load_catalog(big)
    assert catalog_module.MAX_CATALOG_BYTES == 1024 and DEMO.stat().st_size < 32 * 1024 * 1024
