// ONNX export of trained NSG models and inference through ONNX Runtime.
