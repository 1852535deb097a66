import type { AggregateRating, Review } from './model.js';

/** Rating rescaled from the review's own scale to 1..5. */
export function normalizedRating(r: Pick<Review, 'rating' | 'bestRating' | 'worstRating'>): number {
  if (r.bestRating === 5 && r.worstRating === 1) return r.rating;
  return 1 + ((r.rating - r.worstRating) * 4) / (r.bestRating - r.worstRating);
}

/** Mean (1..5, two decimals), count and 1..5 star distribution; undefined without reviews. */
export function aggregateRating(reviews: readonly Pick<Review, 'rating' | 'bestRating' | 'worstRating'>[]): AggregateRating | undefined {
  if (reviews.length === 0) return undefined;
  const distribution: AggregateRating['distribution'] = [0, 0, 0, 0, 0];
  let sum = 0;
  for (const r of reviews) {
    const value = normalizedRating(r);
    sum += value;
    const star = Math.min(5, Math.max(1, Math.round(value)));
    distribution[star - 1]++;
  }
  return { value: Math.round((sum / reviews.length) * 100) / 100, count: reviews.length, distribution };
}
