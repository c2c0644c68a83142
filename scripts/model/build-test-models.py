#!/usr/bin/python3
"""Builds the two tiny ONNX files committed next to the real model (run once):

  long-running/models/identity-32x14.onnx          the benchmark peer: same input shape, Identity op
  long-running/src/ml/fixtures/wrong-shape.onnx     a valid model whose input is [batch, 10, 5]

    /usr/bin/python3 scripts/model/build-test-models.py
"""
import os

import onnx
from onnx import TensorProto, helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))


def identity(path, shape):
    x = helper.make_tensor_value_info('features', TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info('output', TensorProto.FLOAT, shape)
    graph = helper.make_graph([helper.make_node('Identity', ['features'], ['output'])], 'identity', [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='enigma')
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


identity(os.path.join(ROOT, 'long-running', 'models', 'identity-32x14.onnx'), ['batch', 32, 14])
identity(os.path.join(ROOT, 'long-running', 'src', 'ml', 'fixtures', 'wrong-shape.onnx'), ['batch', 10, 5])
