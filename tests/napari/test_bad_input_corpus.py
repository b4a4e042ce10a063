"""The bad-input corpus through the napari readers: a clear error naming the file, nothing changed (issue 15).

The same corpus goes through the core and ``dss`` in ``tests/core/test_bad_input_corpus.py``.
"""

from __future__ import annotations

import pytest
from bad_inputs import Material, assert_refusal, build_corpus, names_with, unchanged

from napari_deepss._napari._dataset_reader import get_dataset_reader
from napari_deepss._napari._reader import get_reader
from napari_deepss.errors import FileFormatError

READER = names_with("reader")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, fly_wav, bird_dir):
    root = tmp_path_factory.mktemp("corpus")
    return root, build_corpus(root, Material(fly_wav, bird_dir), READER)


@pytest.mark.parametrize("name", READER)
def test_the_reader_takes_the_file_and_refuses_it(corpus, name):
    root, cases = corpus
    opens = str(cases[name].opens)
    reader = get_reader(opens) or get_dataset_reader(opens)
    assert reader is not None, "the file looks like ours: the plugin must take it and say what is wrong"
    with unchanged(root / name), pytest.raises(FileFormatError) as error:
        reader(opens)
    assert_refusal(cases[name], str(error.value))


@pytest.mark.parametrize("name", READER)
def test_opening_it_in_napari_shows_the_error(corpus, name, make_napari_viewer):
    root, cases = corpus
    viewer = make_napari_viewer()
    # napari passes the reader's error on unchanged; its notification shows the message
    with unchanged(root / name), pytest.raises(FileFormatError) as error:
        viewer.open(cases[name].opens, plugin="napari-deepss")
    assert_refusal(cases[name], str(error.value))
    assert len(viewer.layers) == 0
