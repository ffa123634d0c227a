/**
 * The order books of every registered market. The engine owns them and applies market data to them;
 * a paper venue is handed the same object as a read-only `BookSource` when it is built, so it fills
 * against exactly the books the engine decided on (no late binding between engine and venue).
 */
import { OrderBook } from '../core/book/order-book.ts'
import type { BookView } from '../core/strategy/book-view.ts'

/** Read-only access to the current book of a market (undefined for a market nobody registered). */
export interface BookSource {
  book(ticker: string): BookView | undefined
}

export class MarketBooks implements BookSource {
  private readonly books = new Map<string, OrderBook>()

  /** The book of `ticker`, created empty on first use (the engine calls this when a game registers). */
  open(ticker: string): OrderBook {
    let b = this.books.get(ticker)
    if (b === undefined) {
      b = new OrderBook(ticker)
      this.books.set(ticker, b)
    }
    return b
  }

  book(ticker: string): OrderBook | undefined {
    return this.books.get(ticker)
  }
}
