// The syntax tree of the PromQL subset hivewatch evaluates (parser.h builds it, engine.h runs
// it). Nodes are immutable after parsing; every node knows its value type and where it was in
// the query (byte offsets), so that errors can point at it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collector/storage/storage.h"

namespace hivewatch::promql {

enum class ValueType { kScalar, kVector, kMatrix, kString };
const char* ValueTypeName(ValueType type);  // "scalar", "instant vector", "range vector", ...

struct PosRange {
  int start = 0;  // byte offset of the first character
  int end = 0;    // one past the last
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,  // arithmetic
  kEqlC,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,  // comparisons
  kAnd,
  kOr,
  kUnless,  // set operators
};
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);
const char* BinaryOpName(BinaryOp op);  // "+", "==", "and", ...

enum class AggregateOp {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile
};

struct Function;  // functions.h

struct Expr {
  enum class Kind {
    kNumber,
    kString,
    kVectorSelector,
    kMatrixSelector,
    kCall,
    kAggregate,
    kBinary,
    kUnary,
    kParen
  };
  explicit Expr(Kind k) : kind(k) {}
  virtual ~Expr() = default;
  const Kind kind;
  ValueType type = ValueType::kScalar;
  PosRange pos;
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral : Expr {
  NumberLiteral() : Expr(Kind::kNumber) { type = ValueType::kScalar; }
  double value = 0;
};

struct StringLiteral : Expr {
  StringLiteral() : Expr(Kind::kString) { type = ValueType::kString; }
  std::string value;
};

struct VectorSelector : Expr {
  VectorSelector() : Expr(Kind::kVectorSelector) { type = ValueType::kVector; }
  std::string name;                    // "" when only matchers were given
  std::vector<LabelMatcher> matchers;  // including __name__="name" when name is set
  int64_t offset_ms = 0;
};

struct MatrixSelector : Expr {
  MatrixSelector() : Expr(Kind::kMatrixSelector) { type = ValueType::kMatrix; }
  std::unique_ptr<VectorSelector> selector;  // carries the offset
  int64_t range_ms = 0;
};

struct Call : Expr {
  Call() : Expr(Kind::kCall) {}
  const Function* func = nullptr;
  std::vector<ExprPtr> args;
};

struct Aggregate : Expr {
  Aggregate() : Expr(Kind::kAggregate) { type = ValueType::kVector; }
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk/bottomk k, quantile φ; null otherwise
  std::vector<std::string> grouping;
  bool without = false;
};

struct VectorMatching {
  enum class Card { kOneToOne, kManyToOne, kOneToMany, kManyToMany };
  Card card = Card::kOneToOne;
  bool on = false;                   // on(...) rather than ignoring(...)/nothing
  std::vector<std::string> labels;   // the on/ignoring list
  std::vector<std::string> include;  // group_left/group_right labels
};

struct Binary : Expr {
  Binary() : Expr(Kind::kBinary) {}
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  VectorMatching matching;  // meaningful when both sides are vectors
};

struct Unary : Expr {
  Unary() : Expr(Kind::kUnary) {}
  bool negate = true;  // '-' (false: '+')
  ExprPtr expr;
};

struct Paren : Expr {
  Paren() : Expr(Kind::kParen) {}
  ExprPtr expr;
};

}  // namespace hivewatch::promql
