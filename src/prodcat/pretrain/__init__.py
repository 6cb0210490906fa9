"""Masked-language-model pretraining on catalog text: continued (domain-adaptive) pretraining of any
backbone, or a small BERT from scratch with a WordPiece vocabulary trained on the catalog
(`python train.py +experiment=pretrain_mlm`, see conf/experiment/pretrain_mlm.yaml)."""
